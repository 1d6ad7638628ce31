import ComityCore
import ComityService
import Foundation

/// `comity-network`: the same command line with the PostgreSQL store and the HTTP server
/// linked in. The `comity` binary links neither, so that what cron and an editing loop
/// start is small and starts in a few milliseconds; a command that needs them (`serve`,
/// any command on a PostgreSQL workspace) is handed over whole: the process becomes
/// comity-network with the same arguments, environment and descriptors, before it has
/// printed or changed anything.
enum NetworkExecutable {
    static let name = "comity-network"

    /// Where comity-network is looked for: beside this binary (a build folder, or where a
    /// package put both), else in `../libexec/comity/` (`make install`). The binary's own
    /// path (/proc/self/exe), not argv[0] or the PATH, so that no caller chooses what runs.
    static func candidates() -> [String] {
        let bin = ShippedScripts.executablePath().resolvingSymlinksInPath().deletingLastPathComponent()
        return [bin.appendingPathComponent(name).path,
                bin.deletingLastPathComponent().appendingPathComponent("libexec/comity/\(name)").path]
    }

    /// Replaces this process with comity-network, run with this process's arguments.
    /// Returns only by throwing, when it cannot be found or started.
    /// - Parameter need: what needs it, for the message (`comity serve`, `postgres://db/network`).
    static func handOff(for need: String) throws(EngineError) -> Never {
        let places = candidates()
        guard let path = places.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            if let present = places.first(where: { FileManager.default.fileExists(atPath: $0) }) {
                throw .failed("\(need) needs \(name), and \(present) is there but cannot be executed (its mode, or `make install` again)")
            }
            throw .failed("\(need) needs \(name), which is installed with comity (`make install`) and was not found at "
                + places.joined(separator: " or "))
        }
        Output.flush()
        let arguments = [path] + CommandLine.arguments.dropFirst()
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        execv(path, argv)
        let reason = String(cString: strerror(errno))
        for argument in argv { free(argument) }
        throw .failed("\(need) needs \(name), and \(path) could not be started: \(reason)")
    }

    /// What the `comity` binary installs for `postgres://` stores: opening one hands
    /// the command to comity-network (opening is the first thing a command does).
    struct Handoff: RemoteStoreOpener {
        func open(url: String, schema: DomainSchema, lockWait: Double?, idleInTransactionTimeout: Double?) throws -> any Store {
            try handOff(for: DatabaseURL.redacted(url))
        }

        func spoolName(url: String) -> String { "postgres" }
    }
}
