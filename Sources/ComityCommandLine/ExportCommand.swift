import ArgumentParser
import ComityCore
import ComityEngine
import ComityExchange
import ComityService
import Foundation

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export records as CSV or JSON, in the columns `comity import` reads, or in a format a plugin provides.",
        discussion: """
            Money is written `1300000.00 RUB`, dates and times in ISO 8601 (times in the \
            workspace's zone), lists as JSON arrays (in CSV cells too), a referenced record \
            by its identifier when it has one (an organisation or person without one by its \
            name, when no other has it), else its id and name (12:Twin), which an import takes \
            only where record 12 has that name; an event's participants with their roles. \
            --format 360giving writes the grants that were awarded (awarded, active, closed), \
            giving a grant without an identifier one, stored on it, that it keeps.
            """
    )

    @Argument(help: ArgumentHelp("The record type: \(RecordKind.allValueStrings.joined(separator: ", ")).", valueName: "kind"))
    var kind: RecordKind

    @Option(help: "csv or json (default: from --out's extension, else csv); 360giving for grants in the 360Giving Data Standard (a JSON package, or the flattened CSV when --out ends in .csv); or a format a plugin provides.")
    var format: ExchangeFormatOption?

    @Option(name: .shortAndLong, help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file"))
    var out: String?

    @Flag(help: "Include archived records.")
    var archived = false

    @Option(help: ArgumentHelp("The database to use instead of the workspace's: an SQLite file, or a postgres:// URL.", valueName: "path-or-url"))
    var database: String?

    @Option(name: .customLong("as"), help: ArgumentHelp(
        "Export what this person sees (an id, an email or a name): their records, without the personal fields they may not see.",
        valueName: "person"))
    var actingAs: String?

    func validate() throws {
        try ExchangeFormatOption.check(format, for: kind.type)
        if actingAs != nil, format?.pluginFormat != nil || format == .giving360 {
            throw ValidationError("--as works with csv and json: 360giving stores an identifier on each grant without one, "
                                  + "and a plugin's format runs as the workspace")
        }
    }

    func run() throws {
        let opened = try CommandEngine.open(database: database, databaseOption: true)
        let store = try CommandFailure.reportingRefusals { try opened.store(actingAs: actingAs) }
        let text: String
        if let name = format?.pluginFormat {
            text = try CommandFailure.reporting {
                try opened.withPluginExchange(output: { Output.error($0 + "\n") }) {
                    try $0.export(kind.type, format: name, includeArchived: archived)
                }
            }
        } else if format == .giving360 {
            // A package (JSON) unless the output is named .csv.
            let shape: ExchangeFormat = out?.lowercased().hasSuffix(".csv") == true ? .csv : .json
            text = try Giving360.export(store: store, format: shape)
        } else {
            let chosen = format?.plain ?? out.map(ExchangeFormat.init(path:)) ?? .csv
            text = try ExchangeFile.export(kind.type, store: store, timeZone: opened.workspace.timeZone, format: chosen,
                                           includeArchived: archived)
        }
        try Output.write(text, to: out)
    }
}
