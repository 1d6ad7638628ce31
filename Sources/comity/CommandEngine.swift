import ArgumentParser
import ComityCore
import ComityEngine
import ComityService
import Foundation
import Logging

/// The engine over the workspace around the current folder, for a command: its
/// failures said on standard error (`error: ...`, exit 1), its notices too.
enum CommandEngine {
    /// The workspace around the current folder, unopened.
    static func workspace() throws -> Workspace {
        try CommandFailure.reporting { try Engine.workspace(around: currentFolder) }
    }

    /// See ``Engine/open(around:database:databaseOption:refusedRuns:notice:)``.
    static func open(database: String? = nil, databaseOption: Bool = false,
                     refusedRuns: (_ error: String) -> [RunRecord] = { _ in [] }) throws -> Engine {
        try CommandFailure.reporting {
            try Engine.open(around: currentFolder, database: database, databaseOption: databaseOption,
                            refusedRuns: refusedRuns, notice: { Output.error($0 + "\n") })
        }
    }

    static var currentFolder: URL { URL(fileURLWithPath: FileManager.default.currentDirectoryPath) }
}

/// swift-log on standard error at the level asked for.
enum CommandLogging {
    static func bootstrap(_ level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}

/// Colour for terminals only, and never when NO_COLOR is set (no-color.org).
enum TerminalStyle {
    static let enabled: Bool = isatty(STDOUT_FILENO) != 0 && (ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty

    static func outcome(_ text: String) -> String {
        guard enabled else { return text }
        switch text {
        case "succeeded": return "\u{1B}[32m\(text)\u{1B}[0m"
        case "running", "skipped", "partial": return "\u{1B}[33m\(text)\u{1B}[0m"
        default: return "\u{1B}[31m\(text)\u{1B}[0m"
        }
    }
}

/// JSON for `--json`: keys sorted, so that output diffs well, and snake_case as the Lua
/// API's names are (`default_value`, `next_slot`), whatever the Swift property is called.
/// Keys of dictionaries (a run's parameters) are data and stay as they are.
enum JSONOutput {
    static func print<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        Output.print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}

/// A command that cannot do what was asked: `error: ...` on standard error, exit 1
/// (usage is printed only for mistakes in the arguments themselves).
enum CommandFailure {
    static func report(_ message: String) -> ExitCode {
        Output.error("error: \(message)\n")
        return ExitCode(1)
    }

    /// The engine's refusal as the command line says it: `error: ...` and exit 1; a
    /// failed script's error as `comity run` prints it; a mistake in the arguments with
    /// the usage.
    static func report(_ error: EngineError) -> any Error {
        switch error {
        case .failed(let message): return report(message)
        case .usage(let message): return ValidationError(message)
        case .runFailed(let failure):
            Output.error(ErrorReport.text(for: failure))
            return ExitCode(1)
        case .noReport:
            Output.error("\(error)\n")
            return ExitCode(1)
        }
    }

    /// `body`, with an ``EngineError`` it throws reported as ``report(_:)-swift.type.method`` says.
    static func reporting<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as EngineError {
            throw report(error)
        }
    }
}
