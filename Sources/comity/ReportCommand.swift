import ArgumentParser
import ComityCore
import ComityEngine
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

    @Option(help: ArgumentHelp("Log level on standard error.", valueName: "level"))
    var logLevel: Logger.Level = .warning

    func run() throws {
        CommandLogging.bootstrap(logLevel)
        let opened = try OpenedWorkspace.open()
        let folder = opened.workspace.folder
        let current = FileManager.default.currentDirectoryPath
        let candidates = name.hasSuffix(".lua")
            ? [name.hasPrefix("/") ? name : current + "/" + name]
            : [folder.appendingPathComponent("Scripts/reports/\(name).lua").path]
        guard let path = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            let known = ((try? FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("Scripts/reports").path)) ?? [])
                .filter { $0.hasSuffix(".lua") && !$0.hasSuffix("_spec.lua") }.map { String($0.dropLast(4)) }.sorted()
            throw CommandFailure.report("no report '\(name)' (looked for \(candidates.joined(separator: ", ")))"
                                  + (known.isEmpty ? "" : "; reports: \(known.joined(separator: ", "))"))
        }
        var runner = opened.runner(logger: Logger(label: "comity.report"))
        runner.dryRun = true
        // A format a plugin writes: its renderer runs in the report's own run.
        if let name = format?.name, ReportFormat(rawValue: name) == nil {
            guard let renderer = runner.plugins?.renderers[name] else {
                let formats = ReportFormat.allCases.map(\.rawValue) + (runner.plugins?.renderers.keys.sorted() ?? [])
                throw ValidationError("no report format '\(name)' (formats: \(formats.joined(separator: ", ")))")
            }
            runner.renderer = renderer
        }
        runner.parameters = Dictionary(uniqueKeysWithValues: parameters.map { ($0.key, $0.value) })
        if let now {
            do { runner.now = try Timestamp(parsing: now, in: opened.workspace.timeZone, field: "--now") } catch {
                throw ValidationError(error.message)
            }
        }
        let root = folder.standardizedFileURL.path + "/"
        let shown = path.hasPrefix(root) ? String(path.dropFirst(root.count)) : path
        // What the script prints goes to standard error: standard output is the report.
        let run = runner.run(file: path, shownAs: shown) { Output.error($0 + "\n") }
        if let error = run.outcome.error {
            Output.error(ErrorReport.text(for: error))
            throw ExitCode(1)
        }
        guard let document = run.report else {
            Output.error("\(shown) returned no report: end it with `return report { title = ..., sections = { ... } }`\n")
            throw ExitCode(1)
        }
        if runner.renderer != nil, let rendered = run.rendered { return try Output.write(rendered, to: out) }
        let chosen = format.flatMap { ReportFormat(rawValue: $0.name) } ?? out.map(ReportFormat.init(path:)) ?? .md
        try Output.write(try ReportRenderer.render(document, as: chosen), to: out)
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
