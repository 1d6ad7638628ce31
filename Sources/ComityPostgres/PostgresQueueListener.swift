import ComityCore
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// The queue wake-ups of a PostgreSQL store: a connection of its own that LISTENs on
/// the store's channel and calls `wake` for each notification. A lost connection is
/// reconnected with a growing pause (up to ten seconds), and `wake` is called once it
/// is back, since runs may have been queued while no one listened. It lives on
/// SwiftNIO's event loop, never on Swift's concurrency pool, which a blocking caller
/// (a test, a Lua run) may hold.
final class PostgresQueueListener: QueueWakeupSubscription {
    /// The channel every committing transaction that changed the queue notifies.
    static let channel = "comity_queue"

    private struct State {
        var cancelled = false
        var connection: PostgresConnection?
        var pause = TimeAmount.milliseconds(250)
    }

    private let state = Mutex(State())
    private let wake: @Sendable () -> Void
    private let configuration: PostgresConnection.Configuration
    private let eventLoop = PostgresConnection.defaultEventLoopGroup.next()
    private let logger: Logger

    init(location: PostgresLocation, settings: PostgresSettings, wake: @escaping @Sendable () -> Void) throws {
        self.wake = wake
        var settings = settings
        settings.applicationName = "comity-listen"
        configuration = try location.configuration(settings)
        var logger = Logger(label: "comity.postgres.listen")
        logger.logLevel = .critical
        self.logger = logger
        connect(reconnecting: false)
    }

    func cancel() {
        let connection = state.withLock { state -> PostgresConnection? in
            state.cancelled = true
            defer { state.connection = nil }
            return state.connection
        }
        connection?.close().whenComplete { _ in }
    }

    /// Calls `wake` unless cancelled; under the lock, so that none comes after `cancel`.
    private func deliver() {
        state.withLock { state in
            if !state.cancelled { wake() }
        }
    }

    private func connect(reconnecting: Bool) {
        PostgresConnection.connect(on: eventLoop, configuration: configuration, id: Int.random(in: 1...Int.max), logger: logger)
            .whenComplete { [self] result in
                switch result {
                case .failure:
                    retry()
                case .success(let connection):
                    let kept = state.withLock { state -> Bool in
                        guard !state.cancelled else { return false }
                        state.connection = connection
                        return true
                    }
                    guard kept else {
                        connection.close().whenComplete { _ in }
                        return
                    }
                    connection.addListener(channel: Self.channel) { [self] _, _ in deliver() }
                    // The handler sends LISTEN before any later query: once this answers,
                    // commits are heard.
                    connection.query("SELECT 1", logger: logger).whenComplete { [self] result in
                        guard case .success = result else { return }
                        state.withLock { $0.pause = .milliseconds(250) }
                        if reconnecting { deliver() }
                    }
                    // Holding the connection until it is closed: postgres-nio asserts that a
                    // connection is not released while its close is still under way.
                    connection.closeFuture.whenComplete { [self] _ in
                        withExtendedLifetime(connection) { retry() }
                    }
                }
            }
    }

    /// After a pause that doubles each time (reset once listening), a new connection.
    private func retry() {
        let pause = state.withLock { state -> TimeAmount? in
            guard !state.cancelled else { return nil }
            state.connection = nil
            let pause = state.pause
            state.pause = min(pause * 2, .seconds(10))
            return pause
        }
        guard let pause else { return }
        eventLoop.scheduleTask(in: pause) { [self] in connect(reconnecting: true) }
    }
}

extension PostgresStore: QueueWakeups {
    public func subscribeToQueueWakeups(_ wake: @escaping @Sendable () -> Void) throws -> any QueueWakeupSubscription {
        try PostgresQueueListener(location: location, settings: settings, wake: wake)
    }
}
