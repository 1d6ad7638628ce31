import ArgumentParser
import ComityCore
import ComityEngine
import ComityExchange
import ComityService
import Foundation
import Logging

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import records from a CSV or JSON file, or a file in a format a plugin provides.",
        discussion: """
            Columns are field names (custom fields too), as `comity export` writes them; `id` is \
            used to find the record an export wrote the row from, and `status` is reached \
            through the lifecycle's steps. A row that matches a record (by identifier; by the \
            `id` of an export when that record agrees with it; an organisation by exact name \
            and country) updates it, so importing the same file twice changes nothing. A row \
            whose text is not UTF-8 or holds a NUL is rejected with its line and field. Each rejected \
            row is reported with its line and reason and written, with a `reason` column, to \
            FILE.rejects.csv beside the input; the other rows are imported, or none with \
            --strict. The import is one run in the history (`comity runs`): `partial` when rows \
            were rejected. The workflows its events start (an imported awarded grant's \
            grant.awarded) are queued with its commit and run after it. Exit status 1 when a \
            row was rejected or a run it started failed.
            """
    )

    @Argument(help: ArgumentHelp("The record type: \(RecordKind.allValueStrings.joined(separator: ", ")).", valueName: "kind"))
    var kind: RecordKind

    @Argument(help: "The file: .csv or .json.", completion: .file(extensions: ["csv", "json"]))
    var file: String

    @Option(help: "csv or json (default: from the file's extension); 360giving for grants in the 360Giving Data Standard (a JSON package or the flattened CSV, by extension); or a format a plugin provides.")
    var format: ExchangeFormatOption?

    @Flag(help: "Import nothing if any row is rejected.")
    var strict = false

    @Option(help: ArgumentHelp("The database to use instead of the workspace's: an SQLite file, or a postgres:// URL.", valueName: "path-or-url"))
    var database: String?

    @Option(help: ArgumentHelp("Log level on standard error: trace, debug, info, notice, warning, error, critical.", valueName: "level"))
    var logLevel: Logger.Level = .warning

    func validate() throws { try ExchangeFormatOption.check(format, for: kind.type) }

    func run() throws {
        CommandLogging.bootstrap(logLevel)
        let opened = try CommandEngine.open(database: database, databaseOption: true) { error in
            var refused = Engine.refusedRun(id: RunRecord.newID(), file: file, error: error,
                                            parameters: ["kind": kind.type.collection])
            refused.trigger = RunTrigger(.fileImport)
            return [refused]
        }
        let importFormat: ImportFormat? = switch format?.kind {
        case .plain(let plain): .plain(plain)
        case .giving360: .giving360
        case .plugin(let name): .plugin(name)
        case nil: nil
        }
        let done = try CommandFailure.reporting {
            try opened.importRecords(kind.type, file: file, format: importFormat, strict: strict, output: { Output.print($0) },
                                     pluginOutput: { Output.error($0 + "\n") }) { imported in
                let summary = imported.summary
                for rejected in summary.rejected {
                    Output.error("\(file):\(rejected.line): \(rejected.reason)\n")
                }
                let rejects = imported.path + ".rejects.csv"
                if summary.rejected.isEmpty {
                    try? FileManager.default.removeItem(atPath: rejects) // from an earlier import of this file
                } else {
                    try writeRejects(summary.rejected, header: imported.header, to: rejects)
                }
                Output.print(summary.text(file: file))
                if !summary.rejected.isEmpty { Output.print("rejected rows: \(file).rejects.csv") }
            }
        }
        let failed = QueuedRunReport.failures(done.queued)
        if !done.file.summary.rejected.isEmpty || failed > 0 { throw ExitCode(1) }
    }

    private func writeRejects(_ rejected: [RecordImport.Rejected], header: [String], to path: String) throws {
        let rows = rejected.map { row in
            row.cells + Array(repeating: "", count: max(header.count - row.cells.count, 0)) + [String(row.line), row.reason]
        }
        do {
            // Rejected rows as the file had them: bytes that were not UTF-8 too, to be fixed in place.
            try Output.writeFile(Data(ExchangeFile.originalBytes(ExchangeFile.csvText([header + ["line", "reason"]] + rows))), to: path)
        } catch {
            throw CommandFailure.report("cannot write the rejected rows to \(path): \(error)")
        }
    }
}
