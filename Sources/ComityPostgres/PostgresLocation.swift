import ComityCore
import Foundation
import NIOSSL
import PostgresNIO

/// Where a PostgreSQL store is: `postgres://USER@HOST:PORT/DATABASE`, as `comity.lua`
/// (`store = { postgres = "..." }`) or `COMITY_DATABASE_URL` gives it. Its query may
/// say `host=/path` (a folder with the server's Unix socket instead of a host),
/// `sslmode` and `sslrootcert` as libpq reads them. The password is never in
/// `comity.lua`: a password in the URL is taken (from the environment's
/// `COMITY_DATABASE_URL`), else `PGPASSWORD`, else the `.pgpass` file (`PGPASSFILE`
/// or `~/.pgpass`), as psql reads it.
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// A folder holding the server's socket (`.s.PGSQL.PORT`), instead of TCP.
    public var socketFolder: String?
    public var user: String
    public var database: String
    /// Whether and how TCP connections are encrypted (not a Unix socket's, as libpq).
    public var tls: TLSMode = .prefer
    /// The certificates a server's certificate is checked against (`sslrootcert`);
    /// the system's when nil.
    public var rootCertificates: String?
    var password: String?

    /// libpq's `sslmode`: `prefer` by default, as psql.
    public enum TLSMode: String, Sendable, Hashable, CaseIterable {
        /// Never encrypted.
        case disable
        /// Encrypted when the server offers it (libpq's `allow` tries without first; both are taken as `prefer`).
        case allow, prefer
        /// Always encrypted; the server's certificate is not checked (unless `sslrootcert` is given, as libpq).
        case require
        /// Encrypted, and the certificate signed by a trusted authority.
        case verifyCA = "verify-ca"
        /// Encrypted, the certificate trusted and made out to the host connected to.
        case verifyFull = "verify-full"
    }

    /// The settings a URL's query may hold.
    public static let querySettings = ["host", "sslmode", "sslrootcert", "password"]

    /// Parses a `postgres://` or `postgresql://` URL; the error names what is wrong.
    public init(url text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let shown = DatabaseURL.redacted(text)
        guard let components = URLComponents(string: text), let scheme = components.scheme,
              ["postgres", "postgresql"].contains(scheme.lowercased()) else {
            throw StoreError(.database, "'\(shown)' is not a PostgreSQL URL (postgres://user@host:5432/database)")
        }
        var query: [String: String] = [:]
        for item in components.queryItems ?? [] {
            guard Self.querySettings.contains(item.name) else {
                throw StoreError(.database, "'\(shown)': the URL has no setting '\(item.name)' (settings: \(Self.querySettings.joined(separator: ", ")))")
            }
            query[item.name] = item.value ?? ""
        }
        let socket = query["host"]
        if let socket, !socket.hasPrefix("/") {
            throw StoreError(.database, "'\(shown)': host=\(socket) must be the absolute path of the folder with the server's socket, such as host=/var/run/postgresql")
        }
        guard let database = components.path.split(separator: "/").first.map(String.init), !database.isEmpty else {
            throw StoreError(.database, "'\(shown)' names no database: postgres://user@host:5432/DATABASE")
        }
        let user = components.user.flatMap { $0.removingPercentEncoding } ?? environment["PGUSER"] ?? environment["USER"] ?? "postgres"
        if let port = components.port, !(1...65535).contains(port) {
            throw StoreError(.database, "'\(shown)': port \(port) is out of range")
        }
        if let mode = query["sslmode"] {
            guard let chosen = TLSMode(rawValue: mode) else {
                throw StoreError(.database, "'\(shown)': sslmode=\(mode) is not one of \(TLSMode.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            tls = chosen
        }
        if let roots = query["sslrootcert"] {
            guard FileManager.default.isReadableFile(atPath: roots) else {
                throw StoreError(.database, "'\(shown)': sslrootcert=\(roots) is not a readable file of certificates (PEM)")
            }
            rootCertificates = roots
        }
        // An IPv6 address is written in brackets in a URL, and connected to without them.
        var host = components.host.flatMap { $0.isEmpty ? nil : $0 } ?? "localhost"
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.host = host
        self.port = components.port ?? 5432
        self.socketFolder = socket
        self.user = user
        let databaseName = database.removingPercentEncoding ?? database
        self.database = databaseName
        self.password = components.password?.removingPercentEncoding
            ?? query["password"]
            ?? environment["PGPASSWORD"]
            ?? Self.passwordFile(environment).flatMap { PgPass.password(in: $0, host: socket ?? host, port: components.port ?? 5432,
                                                                         database: databaseName, user: user) }
    }

    /// The URL without its password: what errors and logs show.
    public var description: String {
        var settings: [String] = []
        if let socketFolder { settings.append("host=\(socketFolder)") }
        if tls != .prefer { settings.append("sslmode=\(tls.rawValue)") }
        let query = settings.isEmpty ? "" : "?" + settings.joined(separator: "&")
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "postgres://\(user)@\(shownHost):\(port)/\(database)\(query)"
    }

    /// The same server, another database (the tests' fresh databases, `CREATE DATABASE`).
    /// How long connecting may take, in seconds.
    static let connectTimeout = 10

    public func database(_ name: String) -> PostgresLocation {
        var other = self
        other.database = name
        return other
    }

    func configuration(_ settings: PostgresSettings) throws -> PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        if let socketFolder {
            configuration = .init(unixSocketPath: "\(socketFolder)/.s.PGSQL.\(port)", username: user, password: password, database: database)
        } else {
            configuration = .init(host: host, port: port, username: user, password: password, database: database, tls: try tlsSettings())
            // verify-full: postgres-nio gives a host name as SNI, checked against the
            // certificate; an IP address is checked against the certificate's addresses.
        }
        configuration.options.additionalStartupParameters = settings.startupParameters
        configuration.options.connectTimeout = .seconds(Int64(Self.connectTimeout))
        return configuration
    }

    /// postgres-nio's TLS for `tls`, with the certificates it trusts.
    private func tlsSettings() throws -> PostgresConnection.Configuration.TLS {
        guard tls != .disable else { return .disable }
        var client = TLSConfiguration.makeClientConfiguration()
        if let rootCertificates { client.trustRoots = .file(rootCertificates) }
        switch tls {
        case .disable, .allow, .prefer, .require:
            // As libpq: `require` with root certificates given checks the authority.
            client.certificateVerification = tls == .require && rootCertificates != nil ? .noHostnameVerification : .none
        case .verifyCA: client.certificateVerification = .noHostnameVerification
        case .verifyFull: client.certificateVerification = .fullVerification
        }
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: client)
        } catch {
            throw StoreError(.database, "\(self): the TLS settings cannot be used (\(error)); is sslrootcert a PEM file of certificates?")
        }
        return [.allow, .prefer].contains(tls) ? .prefer(context) : .require(context)
    }

    private static func passwordFile(_ environment: [String: String]) -> String? {
        if let file = environment["PGPASSFILE"] { return file }
        return environment["HOME"].map { "\($0)/.pgpass" }
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
