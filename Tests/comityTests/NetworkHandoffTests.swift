import Foundation
import Testing

/// `comity` links SQLite only; `serve` and PostgreSQL workspaces are handed, whole, to
/// comity-network (beside it, or in ../libexec/comity/). Run on copies of the binaries
/// laid out as a build folder, as `make install` lays them out, and with comity alone.
@Suite struct NetworkHandoffTests {
    enum Layout { case alone, beside, installed }

    /// `comity` (and comity-network, unless alone) copied into a new folder in `layout`.
    static func install(_ layout: Layout) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("comity-handoff-\(UUID().uuidString)")
        let bin = root.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Comity.executable, to: bin.appendingPathComponent("comity"))
        let network = Comity.executable.deletingLastPathComponent().appendingPathComponent("comity-network")
        switch layout {
        case .alone: break
        case .beside: try FileManager.default.copyItem(at: network, to: bin.appendingPathComponent("comity-network"))
        case .installed:
            let libexec = root.appendingPathComponent("libexec/comity")
            try FileManager.default.createDirectory(at: libexec, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: network, to: libexec.appendingPathComponent("comity-network"))
        }
        return bin.appendingPathComponent("comity")
    }

    /// A port on 127.0.0.1 that nothing listens on (bound, then closed).
    static var closedPort: Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @Test func withoutComityNetworkServeAndPostgresSayWhereTheyLookedAndChangeNothing() throws {
        let comity = try Self.install(.alone)
        defer { try? FileManager.default.removeItem(at: comity.deletingLastPathComponent().deletingLastPathComponent()) }
        let folder = try workspace(["ok.lua": "print('ran')"])
        let bin = comity.deletingLastPathComponent().path

        let served = try Comity.run(["serve", "--port", "0"], in: folder, binary: comity)
        #expect(served.status == 1)
        #expect(served.stderr == "error: comity serve needs comity-network, which is installed with comity (`make install`) and was not found at "
            + "\(bin)/comity-network or \(comity.deletingLastPathComponent().deletingLastPathComponent().path)/libexec/comity/comity-network\n",
            "\(served.stderr)")

        // A password in the URL is not repeated in the message.
        let ran = try Comity.run(["run", "ok.lua", "--database", "postgres://comity:secret@127.0.0.1:1/network"], in: folder, binary: comity)
        #expect(ran.status == 1)
        #expect(ran.stdout.isEmpty)
        #expect(ran.stderr.hasPrefix("error: postgres://comity:***@127.0.0.1:1/network needs comity-network"), "\(ran.stderr)")
        #expect(!ran.stderr.contains("secret"))

        // The SQLite workspace itself needs nothing more.
        let local = try Comity.run(["run", "ok.lua"], in: folder, binary: comity)
        #expect(local.status == 0 && local.stdout == "ran\n", "\(local.stderr)")
        #expect(try Comity.run(["runs", "list"], in: folder, binary: comity).stdout.contains("ok.lua"))

        // An init on PostgreSQL makes nothing when it cannot be handed over.
        let parent = try workspace([:], configured: false)
        let made = try Comity.run(["init", "--bare", "network"], in: parent,
                                  environment: ["COMITY_DATABASE_URL": "postgres://comity@127.0.0.1:1/network"], binary: comity)
        #expect(made.status == 1)
        #expect(made.stderr.contains("postgres://comity@127.0.0.1:1/network needs comity-network"), "\(made.stderr)")
        #expect(!FileManager.default.fileExists(atPath: parent.appendingPathComponent("network").path))
    }

    /// Every message that repeats a PostgreSQL URL masks its password, however the URL
    /// came (found: `store copy --to` and a URL too malformed to parse repeated it whole).
    @Test(arguments: [Layout.alone, .installed])
    func noMessageRepeatsAPassword(_ layout: Layout) throws {
        let comity = try Self.install(layout)
        defer { try? FileManager.default.removeItem(at: comity.deletingLastPathComponent().deletingLastPathComponent()) }
        let folder = try workspace(["ok.lua": "print('ran')"])
        #expect(try Comity.run(["run", "ok.lua"], in: folder, binary: comity).status == 0)
        for arguments in [["store", "copy", "--to", "postgres://u:secret@127.0.0.1:1/db"],
                          ["store", "copy", "--to", "postgres://u@127.0.0.1:1/db?password=secret"],
                          ["run", "ok.lua", "--database", "postgres://u:secret@[::1:1/db"],
                          ["init", "postgres://u:secret@127.0.0.1:1/db"]] {
            let done = try Comity.run(arguments, in: folder, binary: comity)
            #expect(done.status != 0, "\(arguments)")
            #expect(!done.stderr.isEmpty && !(done.stdout + done.stderr).contains("secret"), "\(arguments): \(done.stderr)")
        }
        // Neither a folder named after the URL nor a change to the store.
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("postgres:").path))
        #expect(try Comity.run(["runs", "list"], in: folder, binary: comity).stdout.components(separatedBy: "ok.lua").count == 2)
    }

    /// Found: an init handed over to comity-network, on a server that was down, left a
    /// comity.lua naming it with Scripts/, Plugins/ and inbox/.
    @Test func anInitWhoseDatabaseCannotBeReachedLeavesNothing() throws {
        let comity = try Self.install(.installed)
        defer { try? FileManager.default.removeItem(at: comity.deletingLastPathComponent().deletingLastPathComponent()) }
        let parent = try workspace([:], configured: false)
        let made = try Comity.run(["init", "--bare", "network"], in: parent,
                                  environment: ["COMITY_DATABASE_URL": "postgres://comity@127.0.0.1:\(Self.closedPort)/network"], binary: comity)
        #expect(made.status == 1)
        #expect(made.stderr.contains("cannot reach PostgreSQL at"), "\(made.stderr)")
        #expect(!FileManager.default.fileExists(atPath: parent.appendingPathComponent("network").path))
    }

    @Test func aComityNetworkThatCannotBeExecutedIsNamedSo() throws {
        let comity = try Self.install(.installed)
        defer { try? FileManager.default.removeItem(at: comity.deletingLastPathComponent().deletingLastPathComponent()) }
        let network = comity.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("libexec/comity/comity-network")
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: network.path)
        let served = try Comity.run(["serve", "--port", "0"], in: try workspace([:]), binary: comity)
        #expect(served.status == 1)
        #expect(served.stderr == "error: comity serve needs comity-network, and \(network.path) is there but cannot be executed "
            + "(its mode, or `make install` again)\n", "\(served.stderr)")
    }

    @Test(arguments: [Layout.beside, .installed])
    func aPostgresCommandIsHandedToComityNetwork(_ layout: Layout) throws {
        let comity = try Self.install(layout)
        defer { try? FileManager.default.removeItem(at: comity.deletingLastPathComponent().deletingLastPathComponent()) }
        let folder = try workspace(["ok.lua": "print('ran')"])
        // Nothing listens there: the words are the PostgreSQL store's own, so comity-network ran it.
        let port = Self.closedPort
        let ran = try Comity.run(["run", "ok.lua", "--database", "postgres://comity@127.0.0.1:\(port)/network"], in: folder, binary: comity)
        #expect(ran.status == 1)
        #expect(!ran.stderr.contains("needs comity-network"), "\(ran.stderr)")
        #expect(ran.stderr.contains("cannot reach PostgreSQL at") && ran.stderr.contains("\(port)"), "\(ran.stderr)")
        #expect(ran.stdout.isEmpty)

        // The whole command line is there, with the same version.
        let version = try Comity.run(["--version"], in: folder, binary: comity)
        let network = layout == .beside ? comity.deletingLastPathComponent().appendingPathComponent("comity-network")
            : comity.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("libexec/comity/comity-network")
        #expect(try Comity.run(["--version"], in: folder, binary: network).stdout == version.stdout)
    }
}
