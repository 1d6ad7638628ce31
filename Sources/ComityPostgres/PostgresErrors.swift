import Foundation
import ComityCore
import NIOSSL
import PostgresNIO

/// PostgreSQL's errors in the words of someone running a workflow, by SQLSTATE.
enum PostgresErrors {
    static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    static func storeError(_ error: any Error, location: PostgresLocation, connecting: Bool = false) -> any Error {
        if error is StoreError { return error }
        guard let psql = error as? PSQLError else {
            return StoreError(.database, "PostgreSQL at \(location): \(error)")
        }
        let message = psql.serverInfo?[.message] ?? "\(psql.code)"
        switch psql.serverInfo?[.sqlState] {
        case "55P03"?, "40P01"?, "40001"?:
            // lock_not_available (lock_timeout), deadlock, serialization failure
            return StoreError(.locked, "\(location) is locked by another process (\(message); lock_timeout in comity.lua; try again when it has finished)")
        case "57014"?:
            return StoreError(.database, "\(location): a statement ran longer than statement_timeout and was cancelled; the run was rolled back")
        case "25P03"?:
            return StoreError(.database, "\(location): the transaction stayed idle longer than idle_in_transaction_session_timeout and was ended; nothing it wrote was kept")
        case "53100"?, "53200"?:
            return StoreError(.notWritable, "\(location): the disk is full or failing; the run was rolled back and the database is intact")
        case "23505"?:
            return StoreError(.duplicate, "\(location): \(message)")
        case "3D000"?:
            // The command as the README gives it, the name quoted for a shell when it must be.
            let name = location.database
            let plain = !name.isEmpty && name.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) && $0.isASCII || "_-.".unicodeScalars.contains($0) }
            let shown = plain ? name : "'" + name.replacingOccurrences(of: "'", with: "'\\''") + "'"
            return StoreError(.database, "\(location): the database \(name) does not exist (create it: createdb -E UTF8 -l C.UTF-8 -T template0 \(shown))")
        case "28P01"?, "28000"?:
            return StoreError(.database, "\(location): \(message) (the password comes from PGPASSWORD or ~/.pgpass, never comity.lua)")
        case let state? where state.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains(state):
            // connection exceptions; the server shutting down, crashed, or starting
            return StoreError(.unavailable, "PostgreSQL at \(location) is not available (\(message)); nothing of this transaction was kept")
        case let state?:
            return StoreError(.database, "\(location): \(message) (SQLSTATE \(state))")
        case nil where psql.code == .sslUnsupported:
            return StoreError(.unavailable, "PostgreSQL at \(location) does not accept TLS, and sslmode=\(location.tls.rawValue) requires it "
                + "(turn ssl on in the server's postgresql.conf, or use sslmode=disable on a network you trust)")
        case nil where psql.underlying is NIOSSLError || psql.underlying is BoringSSLError:
            let cause = psql.underlying.map { "\($0)" } ?? "\(psql.code)"
            return StoreError(.unavailable, "PostgreSQL at \(location): the TLS handshake failed (\(cause)); with sslmode=verify-ca or verify-full "
                + "the server's certificate must be signed by a certificate in sslrootcert (or the system's), and with verify-full made out to \(location.host)")
        case nil:
            if connecting || psql.code == .connectionError || psql.code == .serverClosedConnection || psql.code == .clientClosedConnection {
                let failure = psql.underlying.map { PostgresConnectionFailure($0, location: location) }
                let cause = failure?.cause ?? (psql.code == .serverClosedConnection ? "the server closed the connection" : "the connection was lost")
                return StoreError(.unavailable, "cannot reach PostgreSQL at \(location) (\(cause)); \(failure?.advice ?? "is the server running?")"
                    + (connecting ? "" : " Nothing of this transaction was kept"))
            }
            return StoreError(.database, "PostgreSQL at \(location): \(message)")
        }
    }
}
