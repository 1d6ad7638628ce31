import ComityCore
import Foundation
import PostgresNIO

/// Where a PostgreSQL store is: `postgres://USER@HOST:PORT/DATABASE`, as `comity.lua`
/// (`store = { postgres = "..." }`) or `COMITY_DATABASE_URL` gives it. `?host=/path`
/// names a folder with the server's Unix socket instead of a host. The password is
/// never in `comity.lua`: a password in the URL is taken (from the environment's
/// `COMITY_DATABASE_URL`), else `PGPASSWORD`, else the `.pgpass` file (`PGPASSFILE`
/// or `~/.pgpass`), as psql reads it.
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// A folder holding the server's socket (`.s.PGSQL.PORT`), instead of TCP.
    public var socketFolder: String?
    public var user: String
    public var database: String
    var password: String?

    /// Parses a `postgres://` or `postgresql://` URL; the error names what is wrong.
    public init(url text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard let components = URLComponents(string: text), let scheme = components.scheme,
              ["postgres", "postgresql"].contains(scheme.lowercased()) else {
            throw StoreError(.database, "'\(Self.redacted(text))' is not a PostgreSQL URL (postgres://user@host:5432/database)")
        }
        let socket = components.queryItems?.first { $0.name == "host" }?.value
        guard let database = components.path.split(separator: "/").first.map(String.init), !database.isEmpty else {
            throw StoreError(.database, "'\(Self.redacted(text))' names no database: postgres://user@host:5432/DATABASE")
        }
        let user = components.user.flatMap { $0.removingPercentEncoding } ?? environment["PGUSER"] ?? environment["USER"] ?? "postgres"
        if let port = components.port, !(1...65535).contains(port) {
            throw StoreError(.database, "'\(Self.redacted(text))': port \(port) is out of range")
        }
        let host = components.host.flatMap { $0.isEmpty ? nil : $0 } ?? "localhost"
        self.host = host
        self.port = components.port ?? 5432
        self.socketFolder = socket.flatMap { $0.hasPrefix("/") ? $0 : nil }
        self.user = user
        self.database = database.removingPercentEncoding ?? database
        self.password = components.password?.removingPercentEncoding
            ?? environment["PGPASSWORD"]
            ?? Self.passwordFile(environment).flatMap { PgPass.password(in: $0, host: socket ?? host, port: components.port ?? 5432,
                                                                         database: database, user: user) }
    }

    /// The URL without its password: what errors and logs show.
    public var description: String {
        let at = socketFolder.map { "?host=\($0)" } ?? ""
        return "postgres://\(user)@\(host):\(port)/\(database)\(at)"
    }

    /// The same server, another database (the tests' fresh databases, `CREATE DATABASE`).
    public func database(_ name: String) -> PostgresLocation {
        var other = self
        other.database = name
        return other
    }

    func configuration(_ settings: PostgresSettings) -> PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        if let socketFolder {
            configuration = .init(unixSocketPath: "\(socketFolder)/.s.PGSQL.\(port)", username: user, password: password, database: database)
        } else {
            configuration = .init(host: host, port: port, username: user, password: password, database: database, tls: .disable)
        }
        configuration.options.additionalStartupParameters = settings.startupParameters
        configuration.options.connectTimeout = .seconds(10)
        return configuration
    }

    private static func passwordFile(_ environment: [String: String]) -> String? {
        if let file = environment["PGPASSFILE"] { return file }
        return environment["HOME"].map { "\($0)/.pgpass" }
    }

    /// `text` with any password replaced by `***`.
    static func redacted(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.password != nil else { return text }
        components.password = "***"
        return components.string ?? text
    }
}

/// The `.pgpass` file: lines `host:port:database:user:password`, `*` matching
/// anything, `\:` and `\\` escaped; the first line that matches gives the password.
enum PgPass {
    static func password(in path: String, host: String, port: Int, database: String, user: String) -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            let fields = split(String(line))
            guard fields.count == 5 else { continue }
            let wanted = [host, String(port), database, user]
            if zip(fields.prefix(4), wanted).allSatisfy({ $0 == "*" || $0 == $1 }) { return fields[4] }
        }
        return nil
    }

    private static func split(_ line: String) -> [String] {
        var fields: [String] = []
        var current = ""
        var escaped = false
        for character in line {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == ":" {
                fields.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        fields.append(current)
        return fields
    }
}
