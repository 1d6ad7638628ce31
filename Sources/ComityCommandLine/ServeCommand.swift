import ArgumentParser
import ComityCore
import ComityEngine
import ComityScheduler
import ComityService
import Foundation
import HumanReadable
import Logging
import ServiceLifecycle

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the HTTP API (/v1, with tokens) and signed webhook intake (/hooks/NAME), until stopped.",
        discussion: """
            Listens on 127.0.0.1 unless --host says otherwise; put TLS in front of it with a reverse proxy. \
            A webhook declared in comity.lua (hooks = { kobo = { secret = "KOBO_SECRET", workflow = "intake" } }) \
            whose signature holds is kept and its workflow queued, answered 202; the queued run is taken by \
            `comity daemon`, a worker, or this process with --with-scheduler. On SIGTERM or SIGINT it stops \
            taking connections and lets requests in flight finish. Logs one line per request on standard error.
            """)

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0: a free one, logged).")
    var port = 8080

    @Option(help: ArgumentHelp("The largest request body taken (a webhook's); larger ones get 413.", valueName: "size"))
    var maxBody = "1MB"

    @Flag(help: "Also run the daemon in this process: due slots and queued runs (one process for a small network on SQLite).")
    var withScheduler = false

    @Option(help: ArgumentHelp("With --with-scheduler: how long a run in progress may go on after SIGTERM.", valueName: "duration"),
            transform: TimeSpan.read)
    var grace = TimeSpan(.seconds(30))

    @Option(help: ArgumentHelp("How long a token found valid is trusted without asking the store again: a revocation takes effect within this (0: every request asks).",
                               valueName: "duration"), transform: TimeSpan.read)
    var tokenCache = TimeSpan(.seconds(2))

    @Option(help: ArgumentHelp("Log level on standard error.", valueName: "level"))
    var logLevel: Logger.Level = .info

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be from 0 to 65535, not \(port)") }
        guard let size = ByteCount.parse(maxBody), size > 0, size <= 1 << 30 else {
            throw ValidationError("--max-body '\(maxBody)' must be a size from 1 byte to 1GB, such as 1MB or 512KB")
        }
    }

    func run() async throws {
        guard let server = ComityProgram.server else {
            try CommandFailure.reporting { try NetworkExecutable.handOff(for: "comity serve") }
        }
        CommandLogging.bootstrap(logLevel)
        let logger = Logger(label: "comity.serve")
        let engine = try CommandEngine.open()
        let options = ServeOptions(host: host, port: port, maxBodySize: ByteCount.parse(maxBody) ?? 1 << 20,
                                   tokenCacheLifetime: tokenCache.duration ?? .zero)
        let workspace = engine.workspace
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        var lock: WorkerLock?
        defer { lock?.release() }
        if withScheduler {
            // The daemon has an engine of its own: an engine is used from one thread at a time.
            let scheduling = try CommandEngine.open()
            lock = try CommandFailure.reporting { try scheduling.runnerLock("daemon") }
            services.append(.init(service: scheduling.daemon(grace: grace.duration ?? .zero)))
        }
        // A hook that cannot take deliveries is said at start, not only at its first delivery.
        let secrets = SecretStore(workspace: workspace.folder)
        let workflows = Set(engine.catalog().workflows.filter { $0.error == nil }.map(\.name))
        for hook in workspace.hooks.values.sorted(by: { $0.name < $1.name }) {
            do { _ = try secrets.value(hook.secret) } catch {
                logger.warning("hook cannot check signatures", metadata: ["hook": "\(hook.name)", "error": "\(error)"])
            }
            if !workflows.contains(hook.workflow) {
                logger.warning("hook's workflow is missing or broken", metadata: ["hook": "\(hook.name)", "workflow": "\(hook.workflow)"])
            }
            if let runAs = hook.runAs {
                do { _ = try engine.store.read { try AccessPolicy.person(named: runAs, in: $0, membersOnly: true) } } catch {
                    logger.warning("hook's run_as names no member", metadata: ["hook": "\(hook.name)", "run_as": "\(runAs)", "error": "\(error)"])
                }
            }
        }
        // Engines that only read, so that pages and lists answer while a write waits for
        // the database (SQLite's writer held by a long run).
        let readers = try (0..<3).map { _ in try CommandEngine.open() }
        let application = server.application(
            engine: engine, readers: readers, workspace: workspace, options: options, logger: logger,
            listening: { address in
                logger.info("listening", metadata: ["address": "http://\(address)", "hooks": "\(workspace.hooks.keys.sorted().joined(separator: ","))"])
            })
        services.insert(.init(service: application), at: 0)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch is SchedulerDaemonError {
            throw ExitCode(1)
        } catch {
            if "\(error)".contains("Address already in use") {
                throw CommandFailure.report("cannot listen on \(host):\(port): the address is in use (another comity serve?); choose another with --port")
            }
            throw CommandFailure.report("the server stopped: \(error)")
        }
    }
}
