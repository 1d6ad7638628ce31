import Foundation
import HumanReadable

/// Where secrets come from: the environment (`COMITY_SECRET_NAME`), else the
/// workspace's `.comity/secrets` (lines `NAME=value`), which must be readable by its
/// owner only. A value is never put in an error message.
///
/// A value shorter than ``minimumLength`` bytes is refused: redaction replaces every
/// occurrence of the exact value, and a short value occurs inside ordinary words, so
/// the marks that hide it would spell it out (`PIN=a` turns `banana` into
/// `b[secret PIN]n[secret PIN]n[secret PIN]`).
public struct SecretStore: Sendable {
    /// The fewest bytes a secret's value may have.
    public static let minimumLength = 8

    public let file: URL
    public let environment: [String: String]

    public init(workspace: URL, environment: [String: String] = ProcessInfo.processInfo.environment) {
        file = workspace.appendingPathComponent(".comity/secrets")
        self.environment = environment
    }

    public func value(_ name: String) throws -> String {
        if let value = environment["COMITY_SECRET_\(name)"] {
            return try Self.checked(value, name: name, from: "the environment variable COMITY_SECRET_\(name)")
        }
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
        for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let trimmed = line.trimmingBlanks()
            guard !trimmed.hasPrefix("#"), let equals = trimmed.firstIndex(of: "=") else { continue }
            if trimmed[..<equals].trimmingBlanks() == name {
                return try Self.checked(String(trimmed[trimmed.index(after: equals)...]), name: name,
                                        from: "\(file.path):\(index + 1)")
            }
        }
        throw SecretError("secret '\(name)' is not set: no line \(name)=... in \(file.path), and no environment variable COMITY_SECRET_\(name)")
    }
}

extension SecretStore {
    /// The value, unless it is too short to be redacted safely; the error names the
    /// secret and where it was set, never the value.
    static func checked(_ value: String, name: String, from source: String) throws -> String {
        let length = value.utf8.count
        guard length >= minimumLength else {
            throw SecretError("secret '\(name)' (\(source)) is \(length) byte(s) long; secrets must have at least \(minimumLength) bytes, since a shorter value is found inside ordinary words and its redaction would reveal it")
        }
        return value
    }
}

struct SecretError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
