import ComityCore
import ComitySQL
import Foundation
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// One connection to PostgreSQL, used by one thread at a time, synchronously: the
/// store's protocols are synchronous because a Lua run calls them from its own thread.
/// Each statement is sent through postgres-nio's `EventLoopFuture` interface and
/// waited for on that thread, never on an event loop (which `wait` refuses).
final class PostgresSession: @unchecked Sendable {
    let connection: PostgresConnection
    let location: PostgresLocation
    private let logger: Logger
    /// The longest a statement's answer is waited for: the server's statement_timeout
    /// and a margin. A connection that dies mid-statement may never answer.
    private let answerWait: TimeInterval
    /// Statements that succeeded since the store handed the session out.
    var statements = 0
    /// The server's idle_in_transaction_session_timeout for this session.
    private let sessionIdleLimit: TimeInterval
    /// The open transaction's idle limit (nil: none) and when its last statement was
    /// answered; nil when no transaction is open. A session the server ended for idling
    /// is told apart from one cut off: only a run cut off is given back to run again.
    private var openTransaction: (idleLimit: TimeInterval?, lastAnswer: ContinuousClock.Instant)?

    /// Connects and sets what every session of a store has: the time limits that keep
    /// a stuck statement or an abandoned transaction from holding locks forever
    /// (postgres-nio sends no cancel request when a Swift task is cancelled), and how
    /// long a write waits for a row another transaction holds.
    init(_ location: PostgresLocation, settings: PostgresSettings) throws {
        self.location = location
        answerWait = settings.statementTimeout + 15
        sessionIdleLimit = settings.idleInTransactionTimeout
        var logger = Logger(label: "comity.postgres")
        logger.logLevel = .critical
        self.logger = logger
        let started = ContinuousClock.now
        do {
            connection = try PostgresConnection.connect(
                on: PostgresConnection.defaultEventLoopGroup.next(), configuration: try location.configuration(settings),
                id: Int.random(in: 1...Int.max), logger: logger
            ).wait()
        } catch {
            // postgres-nio ends a connection that timed out as if the server had closed it.
            if ContinuousClock.now - started >= .seconds(PostgresLocation.connectTimeout) - .milliseconds(500), (error as? PSQLError)?.underlying == nil {
                throw StoreError(.unavailable, "cannot reach PostgreSQL at \(location) (no answer within \(PostgresLocation.connectTimeout) s); "
                    + "is the server running, and does a firewall let the port through?")
            }
            throw PostgresErrors.storeError(error, location: location, connecting: true)
        }
    }

    deinit { close() }

    func close() {
        guard !connection.isClosed else { return }
        // Not waited for without bound: a dead server may never answer the goodbye.
        let done = DispatchSemaphore(value: 0)
        connection.close().whenComplete { _ in done.signal() }
        _ = done.wait(timeout: .now() + 5)
    }

    var isOpen: Bool { !connection.isClosed }

    /// Ends the transaction after an error; a session that cannot is closed, so that
    /// it is never used again in an unknown state.
    func rollBackOrClose() {
        defer { openTransaction = nil }
        do {
            // Briefly: a session whose server went away may never answer.
            _ = try run("ROLLBACK", [], wait: 5)
        } catch {
            close()
        }
    }

    /// Begins a transaction with `sql` (BEGIN and its isolation).
    func begin(_ sql: String) throws {
        try execute(sql)
        openTransaction = (sessionIdleLimit, ContinuousClock.now)
    }

    /// Ends the open transaction with `sql` (COMMIT or ROLLBACK).
    func end(_ sql: String) throws {
        defer { openTransaction = nil }
        try execute(sql)
    }

    /// Lets the open transaction stay idle `limit` and a margin (nil: without limit),
    /// for a run's script that computes up to its time limit between two statements.
    /// Never shortens what is allowed already; costs a statement only when it lengthens it.
    func allowIdle(upTo limit: Duration?) throws {
        guard let open = openTransaction, let current = open.idleLimit else { return }
        let wanted = limit.map { Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18 + Self.idleMargin }
        if let wanted, wanted <= current { return }
        // The server's setting is an int of milliseconds; longer is without limit (0).
        let milliseconds = wanted.map { $0 * 1000 < Double(Int32.max) ? Int(($0 * 1000).rounded(.up)) : 0 } ?? 0
        try execute("SET LOCAL idle_in_transaction_session_timeout = \(milliseconds)")
        openTransaction?.idleLimit = milliseconds == 0 ? nil : wanted
    }

    /// Beyond a run's time limit, so that its own limit, not the server, stops it.
    static let idleMargin: TimeInterval = 30

    /// The error of a statement that found the session ended, when the server ended it
    /// for idling in its transaction longer than allowed; nil when cut off otherwise.
    private func endedForIdling() -> StoreError? {
        guard let open = openTransaction, let limit = open.idleLimit else { return nil }
        let idle = ContinuousClock.now - open.lastAnswer
        let seconds = Double(idle.components.seconds) + Double(idle.components.attoseconds) / 1e18
        // Measured from the answer's arrival, a little after the server's own start.
        guard seconds >= limit - 1 else { return nil }
        return StoreError(.database, "\(location): the server ended the transaction after it stayed idle \(Int(seconds))s, longer than "
            + "idle_in_transaction_session_timeout (\(Int(limit))s): the script computed that long without calling the store. "
            + "Nothing it wrote was kept; give the workflow a time limit (limits.timeout) under which it finishes")
    }

    /// Runs `sql` (`?` placeholders, `arguments` in order); its rows.
    @discardableResult
    func query(_ sql: String, _ arguments: [SQLValue] = []) throws -> [PostgresResultRow] {
        try run(sql, arguments).rows
    }

    /// Runs `sql`; how many rows it inserted, changed or deleted.
    @discardableResult
    func execute(_ sql: String, _ arguments: [SQLValue] = []) throws -> Int {
        try run(sql, arguments).affected
    }

    /// The first column of the first row, if any.
    func scalar(_ sql: String, _ arguments: [SQLValue] = []) throws -> SQLValue {
        try query(sql, arguments).first?.values.first ?? .null
    }

    private func run(_ sql: String, _ arguments: [SQLValue], wait: TimeInterval? = nil) throws -> (rows: [PostgresResultRow], affected: Int) {
        var bindings = PostgresBindings(capacity: arguments.count)
        for argument in arguments {
            switch argument {
            case .null: bindings.appendNull()
            case .integer(let i): bindings.append(i)
            case .real(let d): bindings.append(d)
            case .text(let s): bindings.append(s)
            case .blob(let bytes): bindings.append(ByteBuffer(bytes: bytes))
            }
        }
        let statement = arguments.isEmpty ? sql : PostgresPlaceholders.numbered(sql)
        guard !connection.isClosed else {
            throw endedForIdling()
                ?? StoreError(.unavailable, "PostgreSQL at \(location) is not available (the connection was closed); nothing of this transaction was kept")
        }
        do {
            let result = try answer(connection.query(PostgresQuery(unsafeSQL: statement, binds: bindings), logger: logger), within: wait ?? answerWait)
            statements += 1
            if openTransaction != nil { openTransaction?.lastAnswer = ContinuousClock.now }
            return (try result.rows.map(PostgresResultRow.init), result.metadata.rows ?? 0)
        } catch {
            let storeError = PostgresErrors.storeError(error, location: location)
            if (storeError as? StoreError)?.kind == .unavailable, let idled = endedForIdling() { throw idled }
            throw storeError
        }
    }
}

extension PostgresSession {
    /// The future's value, waited for on this thread at most `answerWait`; past that,
    /// the connection is closed and the statement counts as unanswered (a server that
    /// went away mid-statement can leave a query that never completes). A connection
    /// that closes while the statement waits ends the wait within about two seconds:
    /// postgres-nio can leave a query sent as its connection closes unanswered for
    /// good (seen here when the server restarted under workers: a SAVEPOINT waited out
    /// the whole `answerWait`, its run's lease renewed all the while).
    fileprivate func answer<Value: Sendable>(_ future: EventLoopFuture<Value>, within answerWait: TimeInterval) throws -> Value {
        let done = DispatchSemaphore(value: 0)
        let outcome = Mutex<Result<Value, any Error>?>(nil)
        future.whenComplete { result in
            outcome.withLock { $0 = result }
            done.signal()
        }
        let deadline = DispatchTime.now() + answerWait
        // Looked at once a second (a statement answered sooner never wakes for it); once
        // closed, the future gets a second more to give its own error.
        var closedAt: DispatchTime?
        while true {
            let now = DispatchTime.now()
            let until = min(deadline, closedAt.map { $0 + 1 } ?? now + 1)
            if done.wait(timeout: until) == .success, let result = outcome.withLock({ $0 }) { return try result.get() }
            if DispatchTime.now() >= deadline { break }
            if let closedAt, DispatchTime.now() >= closedAt + 1 {
                throw StoreError(.unavailable, "PostgreSQL at \(location) closed the connection before it answered; nothing of this transaction was kept")
            }
            if closedAt == nil, connection.isClosed { closedAt = DispatchTime.now() }
        }
        close()
        throw StoreError(.unavailable, "PostgreSQL at \(location) did not answer within \(Int(answerWait))s; the connection was closed and nothing of this transaction was kept")
    }
}

/// What every session of a store sets when it connects.
struct PostgresSettings: Sendable {
    /// How long a write waits for a row lock another transaction holds.
    var lockWait: TimeInterval = 5
    /// The longest one statement may run.
    var statementTimeout: TimeInterval = 300
    /// The longest a transaction may stay open doing nothing (a paused worker).
    var idleInTransactionTimeout: TimeInterval = 60
    /// How the session shows in `pg_stat_activity`.
    var applicationName = "comity"

    /// Sent when connecting, as startup parameters: no round trip of their own.
    var startupParameters: [(String, String)] {
        func milliseconds(_ interval: TimeInterval) -> String { "\(max(Int((interval * 1000).rounded()), 1))ms" }
        return [
            ("lock_timeout", milliseconds(lockWait)), ("statement_timeout", milliseconds(statementTimeout)),
            ("idle_in_transaction_session_timeout", milliseconds(idleInTransactionTimeout)), ("TimeZone", "UTC"),
            ("client_min_messages", "warning"), ("application_name", applicationName),
        ]
    }
}

/// One row of a result, its values read out of postgres-nio's cells.
struct PostgresResultRow: Sendable {
    let names: [String]
    let values: [SQLValue]

    init(_ row: PostgresRow) throws {
        var names: [String] = []
        var values: [SQLValue] = []
        for cell in row {
            names.append(cell.columnName)
            values.append(try Self.value(cell))
        }
        self.names = names
        self.values = values
    }

    subscript(_ index: Int) -> SQLValue { index < values.count ? values[index] : .null }

    subscript(_ name: String) -> SQLValue {
        guard let index = names.firstIndex(of: name) else { return .null }
        return values[index]
    }

    func integer(_ name: String) -> Int64? { self[name].integer }
    func text(_ name: String) -> String? { self[name].text }

    private static func value(_ cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8, .oid: return .integer(try cell.decode(Int64.self))
        case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
        case .float4, .float8: return .real(try cell.decode(Double.self))
        case .bytea:
            var buffer = try cell.decode(ByteBuffer.self)
            return .blob(buffer.readBytes(length: buffer.readableBytes) ?? [])
        default: return .text(try cell.decode(String.self))
        }
    }
}

/// `?` placeholders, as the shared query SQL writes them, numbered as PostgreSQL takes
/// them (`$1`, `$2`, …); a `?` inside a quoted literal or identifier stays as it is.
enum PostgresPlaceholders {
    static func numbered(_ sql: String) -> String {
        var result = ""
        result.reserveCapacity(sql.utf8.count + 16)
        var number = 0
        var quote: Character?
        for character in sql {
            if let open = quote {
                if character == open { quote = nil }
                result.append(character)
            } else if character == "'" || character == "\"" {
                quote = character
                result.append(character)
            } else if character == "?" {
                number += 1
                result += "$\(number)"
            } else {
                result.append(character)
            }
        }
        return result
    }
}
