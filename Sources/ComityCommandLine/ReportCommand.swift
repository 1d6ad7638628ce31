import ArgumentParser
import ComityCore
import ComityEngine
import ComityReports
import ComityService
import Foundation
import Logging
import LuaBridge

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Run a report script and write what it returns: Markdown, CSV, JSON or one HTML file with SVG charts.",
        discussion: """
            NAME is a script in Scripts/reports/ (NAME.lua) or a path. The script returns \
            `report { ... }` (a plain script, or a workflow whose run returns it). A report changes \
            nothing: its run is rolled back, and recorded in the history as a dry run. The HTML \
            file needs no network and no JavaScript, and prints.
            """
    )

    @Argument(help: "The report: a name in Scripts/reports/ or a .lua path.")
    var name: String

    @Option(help: "md, csv, json or html (default: from --out's extension, else md).")
    var format: ReportFormatArgument?

    @Option(name: .shortAndLong, help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file"))
    var out: String?

    @Option(
        name: .customLong("param"),
        help: ArgumentHelp("A report parameter, key=value (repeatable).", valueName: "key=value"),
        transform: RunParameter.parse)
    var parameters: [RunParameter] = []

    @Option(help: ArgumentHelp("The clock of the report, ISO 8601 (default: now).", valueName: "time"))
    var now: String?

    @Option(name: .customLong("as"), help: ArgumentHelp(
        "The report as this person sees the data (an id, an email or a name).", valueName: "person"))
    var actingAs: String?

    @Option(help: ArgumentHelp("Log level on standard error.", valueName: "level"))
    var logLevel: Logger.Level = .warning

    func run() throws {
        CommandLogging.bootstrap(logLevel)
        let engine = try CommandEngine.open()
        var options = RunOptions(parameters: Dictionary(uniqueKeysWithValues: parameters.map { ($0.key, $0.value) }))
        options.actingAs = actingAs
        if let now {
            do { options.now = try Timestamp(parsing: now, in: engine.workspace.timeZone, field: "--now") } catch {
                throw ValidationError(error.message)
            }
        }
        // What the script prints goes to standard error: standard output is the report.
        let text = try CommandFailure.reporting {
            try engine.report(name, format: format?.name, outputPath: out, options: options) { Output.error($0 + "\n") }
        }
        try Output.write(text, to: out)
    }
}

/// `--format`: Comity's own (md, csv, json, html) or one a plugin writes; which plugin
/// formats exist is known once the workspace is open.
struct ReportFormatArgument: ExpressibleByArgument {
    let name: String
    init?(argument: String) {
        let name = argument.lowercased()
        guard ModuleName.isValid(name), !name.contains(".") else { return nil }
        self.name = name
    }
    static var allValueStrings: [String] { ReportFormat.allCases.map(\.rawValue) }
}
