import ArgumentParser
import ComityCore
import ComityEngine
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

    @Option(help: ArgumentHelp("The database to use instead of the workspace's.", valueName: "path"))
    var database: String?

    @Option(help: ArgumentHelp("Log level on standard error: trace, debug, info, notice, warning, error, critical.", valueName: "level"))
    var logLevel: Logger.Level = .warning

    func validate() throws { try ExchangeFormatOption.check(format, for: kind.type) }

    func run() throws {
        CommandLogging.bootstrap(logLevel)
        let opened = try OpenedWorkspace.open(database: database, databaseOption: true) { error in
            var refused = OpenedWorkspace.refusedRun(id: RunRecord.newID(), file: file, error: error,
                                                     parameters: ["kind": kind.type.collection])
            refused.trigger = RunTrigger(.fileImport)
            return [refused]
        }
        let path = file.hasPrefix("/") ? file : FileManager.default.currentDirectoryPath + "/" + file
        let chosen = format?.plain ?? ExchangeFormat(path: file)
        let runner = opened.runner(logger: Logger(label: "comity.import"))
        // The workflows its events start are queued with its commit, and run after it.
        var importer = RecordImport(store: opened.store, timeZone: opened.workspace.timeZone, triggers: runner.eventQueuing(opened.store))
        importer.spool = RunRecordSpool(database: opened.store.path)
        var input: (header: [String], rows: [RecordImport.Row]) = ([], [])
        let summary: RecordImport.Summary
        do {
            if let name = format?.pluginFormat {
                let data = try ExchangeFile.contents(path)
                guard let text = String(data: data, encoding: .utf8) else {
                    let place = TextValidity.invalidPlace(in: Array(data)).map { " (invalid byte sequence for UTF-8 at \($0))" } ?? ""
                    throw CommandFailure.report("cannot read \(file) as UTF-8 text\(place)")
                }
                input = try opened.withPluginExchange { try $0.rows(kind.type, format: name, text: text) }
                summary = try importer.run(kind.type, header: input.header, rows: input.rows, file: file, strict: strict, checkColumns: true)
            } else if format == .giving360 {
                summary = try Giving360.importGrants(path, format: chosen, into: importer, strict: strict)
                input.header = Giving360.csvColumns
            } else {
                input = try ExchangeFile.read(path, format: chosen)
                summary = try importer.run(kind.type, header: input.header, rows: input.rows, file: file, strict: strict,
                                           checkColumns: chosen == .csv)
            }
        } catch let error as ExchangeFileError {
            Output.error("error: \(error)\n")
            throw ExitCode(1)
        } catch let exit as ExitCode {
            throw exit
        } catch let error as StoreError {
            throw CommandFailure.report("\(error)")
        }
        for rejected in summary.rejected {
            Output.error("\(file):\(rejected.line): \(rejected.reason)\n")
        }
        let rejects = path + ".rejects.csv"
        if summary.rejected.isEmpty {
            try? FileManager.default.removeItem(atPath: rejects) // from an earlier import of this file
        } else {
            try writeRejects(summary.rejected, header: input.header, to: rejects)
        }
        Output.print(summary.text(file: file))
        if !summary.rejected.isEmpty { Output.print("rejected rows: \(file).rejects.csv") }
        let failed = summary.queued > 0 ? try QueuedRunsDrain.run(runner) : 0
        if !summary.rejected.isEmpty || failed > 0 { throw ExitCode(1) }
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
