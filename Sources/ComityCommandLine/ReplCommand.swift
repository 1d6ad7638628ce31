import ArgumentParser
import ComityCore
import ComityEngine
import ComityService
import Foundation
import HumanReadable
import Logging

struct ReplCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repl",
        abstract: "An interactive Lua prompt with the API bound to the workspace.",
        discussion: """
            Each statement runs in its own transaction, rolled back unless --write is given: try \
            things on real data and keep nothing. An expression's values are printed; a statement \
            that is not finished asks for more lines ("..>"). Globals stay between statements, \
            locals do not. Input is kept in .comity/repl_history; for line editing run it under \
            rlwrap (rlwrap comity repl). Ctrl-D ends the session. With --write, the workflows a \
            committed statement's events start are queued and run after it, and the session is \
            one run in the history (`partial` when statements failed). Piped input exits 1 when \
            any statement failed.
            """)

    @Flag(help: "Commit each statement that succeeds.")
    var write = false

    @Option(name: .customLong("as"), help: ArgumentHelp(
        "Act as this person (an id, an email or a name): see and change only what they may.", valueName: "person"))
    var actingAs: String?

    @Option(help: ArgumentHelp("Log level on standard error: trace, debug, info, notice, warning, error, critical.", valueName: "level"))
    var logLevel: Logger.Level = .warning

    func run() throws {
        CommandLogging.bootstrap(logLevel)
        let opened = try CommandEngine.open()
        let session = try CommandFailure.reporting { try opened.repl(write: write, as: actingAs) { Output.print($0) } }
        let interactive = isatty(STDIN_FILENO) != 0
        let history = opened.workspace.folder.appendingPathComponent(".comity/repl_history")
        if interactive {
            Output.print("comity \(ComityVersion.current) repl: \(write ? "statements are committed (--write)" : "every statement is rolled back (start with --write to keep changes)"); Ctrl-D ends")
        }
        var pending = ""
        var failures = 0
        var read = 0 // input lines read so far
        var start = 1 // the input line the pending statement starts on
        while true {
            if interactive {
                Output.print(pending.isEmpty ? "comity> " : "..> ", terminator: "")
                Output.flush() // the prompt has no newline
            }
            guard let line = readLine() else { break }
            read += 1
            if pending.isEmpty { start = read }
            pending += (pending.isEmpty ? "" : "\n") + line
            guard !pending.trimmingBlanks().isEmpty else { pending = ""; continue }
            // The workflows the statement's events started run after it, as after `comity run`.
            let statement = try session.evaluate(pending, line: start) { outcome in
                guard outcome != .incomplete else { return }
                Self.remember(pending, in: history)
                pending = ""
                switch outcome {
                case .values(let values): if !values.isEmpty { Output.print(values.joined(separator: "\t")) }
                case .failed(let message):
                    failures += 1
                    Output.error("error: \(message)\n")
                case .incomplete: break
                }
            }
            if statement.outcome == .incomplete { continue }
            failures += QueuedRunReport.failures(statement.queued)
            // A program driving the repl through a pipe reads each statement's answer
            // before it sends the next.
            Output.flush()
        }
        do {
            try session.finish()
        } catch {
            Output.error("error: the session's end could not be recorded in the run history: \(error)\n")
            failures += 1
        }
        if !pending.isEmpty { throw CommandFailure.report("the input ended inside a statement: \(pending)") }
        if interactive { Output.print() }
        // Piped statements are a script: one that failed fails the command.
        if failures > 0 && !interactive { throw ExitCode(1) }
    }

    /// Appends a statement to the history file (the folder exists: the database is in it).
    static func remember(_ statement: String, in file: URL) {
        let entry = Array((statement.replacingOccurrences(of: "\n", with: "\\n") + "\n").utf8)
        // History is a convenience: a folder or a disk that cannot take it does not stop
        // the repl (nor trap, as FileHandle.write would on a full disk).
        let descriptor = open(file.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return }
        _ = entry.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
    }
}
