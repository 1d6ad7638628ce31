import ComityCore
import ComityPostgres
import Foundation
import Testing

/// A server that cannot be reached is named in words, with what to look at next, not
/// in NIO's internals (`SingleConnectionFailure(target: [IPv4]…, error: …`). On the
/// loopback only: no name is looked up.
@Suite struct PostgresConnectionFailureTests {
    /// A TCP socket on 127.0.0.1 listening (never accepting) or, when `listening` is
    /// false, closed again at once; its port.
    static func loopbackPort(listening: Bool) throws -> (port: Int, descriptor: Int32) {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(descriptor >= 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
        }
        try #require(bound)
        if listening { try #require(listen(descriptor, 4) == 0) } else { close(descriptor) }
        return (Int(UInt16(bigEndian: address.sin_port)), listening ? descriptor : -1)
    }

    static func failure(_ url: String) -> String {
        do {
            _ = try PostgresStore(url: url)
            return "connected"
        } catch {
            return "\(error)"
        }
    }

    @Test func aPortNobodyListensOnIsRefused() throws {
        let (port, _) = try Self.loopbackPort(listening: false)
        let message = Self.failure("postgres://comity@127.0.0.1:\(port)/network?sslmode=disable")
        #expect(message == "cannot reach PostgreSQL at postgres://comity@127.0.0.1:\(port)/network?sslmode=disable (connection refused); is the server running?",
                "\(message)")
    }

    @Test func aSocketFolderWithoutAServerIsNamed() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("comity-nosocket-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let message = Self.failure("postgres://comity@localhost/network?host=\(folder.path)")
        #expect(message.contains("(no server is listening on \(folder.path)/.s.PGSQL.5432); is the server running, with its socket in that folder?"),
                "\(message)")
    }

    @Test func aListenerThatNeverAnswersIsGivenUpAfterTheConnectTimeout() throws {
        let (port, descriptor) = try Self.loopbackPort(listening: true)
        defer { close(descriptor) }
        let message = Self.failure("postgres://comity@127.0.0.1:\(port)/network?sslmode=disable")
        #expect(message.contains("(no answer within 10 s)"), "\(message)")
    }
}
