import ComityCore
@testable import ComityPostgres
import Foundation
import Testing

/// A transaction that waits for its next statement: as long as its run may compute,
/// and, when the server ends it for waiting longer, a failure of its own, not a lost
/// connection (a run whose connection was lost is given back and run again; one that
/// idled past its limit would idle again, forever).
@Suite(.enabled(if: TestServer.isAvailable, "needs the test server of `make test` (COMITY_TEST_POSTGRES)"))
struct PostgresIdleTests {
    static func organisation(_ name: String, _ transaction: any StoreTransaction) throws {
        _ = try transaction.create(.organisation, ["name": .string(name)], context: ChangeContext(run: "r", at: Timestamp(Date())))
    }

    static func organisations(_ store: PostgresStore) throws -> Int {
        try store.read { try $0.count(.organisation, RecordQuery()) }
    }

    @Test func aRunMayComputeAsLongAsItsTimeLimitBetweenTwoStatements() throws {
        let store = try PostgresStore(url: try TestServer.newDatabase(), idleInTransactionTimeout: 1)
        try store.write(commit: true) { transaction in
            try transaction.allowIdle(upTo: .seconds(2))
            try Self.organisation("ASI", transaction)
            Thread.sleep(forTimeInterval: 2.5)
            try Self.organisation("Foundation", transaction)
        }
        // Without a time limit, without an idle limit.
        try store.write(commit: true) { transaction in
            try transaction.allowIdle(upTo: nil)
            try Self.organisation("Network", transaction)
            Thread.sleep(forTimeInterval: 2.5)
            try Self.organisation("Council", transaction)
        }
        #expect(try Self.organisations(store) == 4)
    }

    @Test func aShorterAllowanceKeepsTheSessionsOwn() throws {
        let store = try PostgresStore(url: try TestServer.newDatabase(), idleInTransactionTimeout: 1)
        try store.write(commit: true) { transaction in
            try transaction.allowIdle(upTo: .seconds(2))
            // A workflow's own limit read later, shorter: what is allowed stays.
            try transaction.allowIdle(upTo: .milliseconds(100))
            try Self.organisation("ASI", transaction)
            Thread.sleep(forTimeInterval: 2.5)
            try Self.organisation("Foundation", transaction)
        }
        #expect(try Self.organisations(store) == 2)
    }

    @Test func aTransactionEndedForIdlingFailsAsSuchAndKeepsNothing() throws {
        let store = try PostgresStore(url: try TestServer.newDatabase(), idleInTransactionTimeout: 1)
        do {
            try store.write(commit: true) { transaction in
                try Self.organisation("ASI", transaction)
                Thread.sleep(forTimeInterval: 2.5)
                try Self.organisation("Foundation", transaction)
            }
            Issue.record("the transaction idled past its limit and still committed")
        } catch let error as StoreError {
            #expect(error.kind == .database, "\(error)")
            #expect(error.message.contains("stayed idle") && error.message.contains("idle_in_transaction_session_timeout (1s)"), "\(error.message)")
        }
        // The store goes on with a new session, and nothing of that transaction is there.
        #expect(try Self.organisations(store) == 0)
    }
}

/// The URL of a PostgreSQL store: what it may hold, and what it refuses by name.
struct PostgresLocationTests {
    static let environment = ["USER": "comity", "HOME": "/nonexistent"]

    static func refusal(_ url: String) -> String {
        do {
            _ = try PostgresLocation(url: url, environment: environment)
            return "accepted"
        } catch {
            return "\(error)"
        }
    }

    @Test func anIPv6AddressIsConnectedToWithoutItsBrackets() throws {
        let location = try PostgresLocation(url: "postgres://comity@[::1]:5433/network", environment: Self.environment)
        #expect(location.host == "::1")
        #expect(location.port == 5433)
        #expect(location.description == "postgres://comity@[::1]:5433/network")
    }

    @Test func sslmodeIsRead() throws {
        #expect(try PostgresLocation(url: "postgres://u@h/db", environment: Self.environment).tls == .prefer)
        for mode in PostgresLocation.TLSMode.allCases {
            let location = try PostgresLocation(url: "postgres://u@h/db?sslmode=\(mode.rawValue)", environment: Self.environment)
            #expect(location.tls == mode)
        }
        #expect(Self.refusal("postgres://u@h/db?sslmode=always").contains("sslmode=always is not one of disable, allow, prefer, require, verify-ca, verify-full"))
        #expect(Self.refusal("postgres://u@h/db?sslmode=verify-full&sslrootcert=/nonexistent/ca.crt")
            .contains("sslrootcert=/nonexistent/ca.crt is not a readable file"))
    }

    @Test func aPasswordInTheQueryIsTakenAsInTheUserPart() throws {
        let location = try PostgresLocation(url: "postgres://u@h/db?password=s%20cret", environment: Self.environment)
        #expect(location.password == "s cret")
        #expect(!location.description.contains("cret"))
    }

    @Test func settingsTheURLCannotHoldAreRefusedByName() {
        let refused = Self.refusal("postgres://u@h/db?connect_timeout=10")
        #expect(refused.contains("no setting 'connect_timeout' (settings: host, sslmode, sslrootcert, password)"), "\(refused)")
        #expect(Self.refusal("postgres://u@h/db?host=relative/dir").contains("must be the absolute path"))
    }
}

/// TLS against the test server, whose certificate its own authority signed for
/// 127.0.0.1 and localhost (see Tests/with-postgres).
@Suite(.enabled(if: TestServer.isAvailable && ProcessInfo.processInfo.environment["COMITY_TEST_POSTGRES_CA"] != nil,
                "needs the test server of `make test` with its TLS authority (COMITY_TEST_POSTGRES_CA)"))
struct PostgresTLSTests {
    static var authority: String { ProcessInfo.processInfo.environment["COMITY_TEST_POSTGRES_CA"] ?? "" }

    /// Whether the store's own session is encrypted, as the server sees it.
    static func encrypted(_ store: PostgresStore) throws -> Bool {
        try store.read { transaction in
            let session = try #require((transaction as? PostgresTransaction)?.session)
            return try session.scalar("SELECT CASE WHEN ssl THEN 1 ELSE 0 END FROM pg_stat_ssl WHERE pid = pg_backend_pid()").integer == 1
        }
    }

    @Test(arguments: ["sslmode=verify-full&sslrootcert=\(PostgresTLSTests.authority)",
                      "sslmode=verify-ca&sslrootcert=\(PostgresTLSTests.authority)", "sslmode=require", "sslmode=prefer"])
    func aStoreConnectsEncrypted(query: String) throws {
        let url = try TestServer.newDatabase() + "?" + query
        let store = try PostgresStore(url: url)
        #expect(try Self.encrypted(store), "\(query)")
    }

    /// The advice is a command that works as pasted: the README's createdb, the name
    /// quoted for a shell when it holds a space or a quote.
    @Test func aMissingDatabaseIsNamedWithTheCommandThatMakesIt() throws {
        let server = try TestServer.location()
        for (name, shown) in [("comity_missing_\(getpid())", "comity_missing_\(getpid())"), ("Network's db", "'Network'\\''s db'")] {
            do {
                _ = try PostgresStore(location: server.database(name))
                Issue.record("a database that does not exist was opened: \(name)")
            } catch {
                #expect("\(error)".contains("the database \(name) does not exist (create it: createdb -E UTF8 -l C.UTF-8 -T template0 \(shown))"),
                        "\(error)")
            }
        }
    }

    @Test func sslmodeDisableConnectsInTheClear() throws {
        let store = try PostgresStore(url: try TestServer.newDatabase() + "?sslmode=disable")
        #expect(try !Self.encrypted(store))
    }

    @Test func anUntrustedCertificateIsRefusedWithTheReason() throws {
        // The system's authorities did not sign the test server's certificate.
        let url = try TestServer.newDatabase() + "?sslmode=verify-full"
        do {
            _ = try PostgresStore(url: url)
            Issue.record("a certificate no trusted authority signed was accepted")
        } catch {
            #expect("\(error)".contains("the TLS handshake failed"), "\(error)")
            #expect("\(error)".contains("sslrootcert"), "\(error)")
        }
    }
}
