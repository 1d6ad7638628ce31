import Foundation
import NIOCore
import NIOPosix

/// Why a connection to the server could not be made or was lost, in the words of
/// someone running a workflow: NIO's own errors print their internals
/// (`SingleConnectionFailure(target: [IPv4]…, error: connection reset (error set): …`).
struct PostgresConnectionFailure {
    /// What went wrong (`connection refused`, `no such host: db.example.org`).
    let cause: String
    /// What to look at next.
    let advice: String

    init(_ error: any Error, location: PostgresLocation) {
        switch error {
        case let failure as NIOConnectionError:
            if let first = failure.connectionErrors.first {
                self.init(first.error, location: location)
            } else if let lookup = failure.dnsAError ?? failure.dnsAAAAError {
                self.init(lookup, location: location)
            } else {
                self = .init(cause: "no address found for \(location.host)", advice: "is the host name right?")
            }
        case let unknown as SocketAddressError.UnknownHost:
            self = .init(cause: "no such host: \(unknown.host) (\(unknown.errorDescription.lowercased()))", advice: "is the host name right?")
        case let address as SocketAddressError:
            if case .unknown(let host, _) = address {
                self = .init(cause: "no such host: \(host)", advice: "is the host name right?")
            } else {
                self = .init(cause: "the address could not be used (\(address))", advice: "is the URL right?")
            }
        case let io as IOError:
            if let socket = location.socketFolder, [ENOENT, ECONNREFUSED].contains(io.errnoCode) {
                self = .init(cause: "no server is listening on \(socket)/.s.PGSQL.\(location.port)",
                             advice: "is the server running, with its socket in that folder?")
            } else {
                self = .init(cause: String(cString: strerror(io.errnoCode)).lowercased(), advice: "is the server running?")
            }
        case let channel as ChannelError:
            if case .connectTimeout(let waited) = channel {
                self = .init(cause: "no answer within \(waited.nanoseconds / 1_000_000_000) s",
                             advice: "is the server running, and does a firewall let the port through?")
            } else {
                self = .init(cause: "the connection failed (\(channel))", advice: "is the server running?")
            }
        default:
            self = .init(cause: "\(error)", advice: "is the server running?")
        }
    }

    private init(cause: String, advice: String) {
        self.cause = cause
        self.advice = advice
    }
}
