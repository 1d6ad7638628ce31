import Foundation

/// Where secrets come from: the environment (`COMITY_SECRET_NAME`), else the
/// workspace's `.comity/secrets` (lines `NAME=value`), which must be readable by its
/// owner only. A value is never put in an error message.
public struct SecretStore: Sendable {
    public let file: URL
    public let environment: [String: String]

    public init(workspace: URL, environment: [String: String] = ProcessInfo.processInfo.environment) {
        file = workspace.appendingPathComponent(".comity/secrets")
        self.environment = environment
    }

    public func value(_ name: String) throws -> String {
        if let value = environment["COMITY_SECRET_\(name)"] { return value }
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw SecretError("secret '\(name)' is not set: set the environment variable COMITY_SECRET_\(name), or add a line \(name)=... to \(file.path) (chmod 600)")
        }
        var info = stat()
        guard stat(file.path, &info) == 0 else { throw SecretError("cannot read \(file.path): \(String(cString: strerror(errno)))") }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            throw SecretError("\(file.path) can be read by others (mode \(String(mode, radix: 8))); secrets are read only from a file its owner alone can read: chmod 600 \(file.path)")
        }
        guard let text = try? String(contentsOf: file, encoding: .utf8) else {
            throw SecretError("cannot read \(file.path) as UTF-8 text")
        }
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.hasPrefix("#"), let equals = trimmed.firstIndex(of: "=") else { continue }
            if trimmed[..<equals].trimmingCharacters(in: .whitespaces) == name {
                return String(trimmed[trimmed.index(after: equals)...])
            }
        }
        throw SecretError("secret '\(name)' is not set: no line \(name)=... in \(file.path), and no environment variable COMITY_SECRET_\(name)")
    }
}

struct SecretError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
