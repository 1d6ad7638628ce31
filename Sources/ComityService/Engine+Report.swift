import ComityCore
import ComityEngine
import ComityReports
import Foundation
import Logging

extension Engine {
    /// Runs a report script and renders what it returns. `name` is a script in
    /// Scripts/reports/ (`name.lua`) or a `.lua` path (relative to ``currentFolder``).
    /// A report changes nothing: its run is rolled back, and recorded as a dry run.
    /// - Parameters:
    ///   - format: md, csv, json, html, or a format a plugin writes (whose renderer runs
    ///     in the report's own run); nil chooses by `outputPath`'s extension, else md.
    ///   - output: what the script prints (not the report).
    public func report(_ name: String, format: String? = nil, outputPath: String? = nil, options: RunOptions = RunOptions(),
                       logger: Logger = Logger(label: "comity.report"), output: @escaping (String) -> Void) throws -> String {
        let path = try reportFile(name)
        var runner = runner(logger: logger)
        var options = options
        options.dryRun = true
        options.apply(to: &runner)
        if let format, ReportFormat(rawValue: format) == nil {
            guard let renderer = runner.plugins?.renderers[format] else {
                let formats = ReportFormat.allCases.map(\.rawValue) + (runner.plugins?.renderers.keys.sorted() ?? [])
                throw EngineError.usage("no report format '\(format)' (formats: \(formats.joined(separator: ", ")))")
            }
            runner.renderer = renderer
        }
        let root = workspace.folder.standardizedFileURL.path + "/"
        let shown = path.hasPrefix(root) ? String(path.dropFirst(root.count)) : path
        let run = runner.run(file: path, shownAs: shown, output: output)
        // Busy, not broken: the caller may say "again later" (the API's 503).
        if let refusal = run.storeRefusal { throw refusal }
        if let error = run.outcome.error { throw EngineError.runFailed(error) }
        guard let document = run.report else { throw EngineError.noReport(file: shown) }
        if runner.renderer != nil, let rendered = run.rendered { return rendered }
        let chosen = format.flatMap(ReportFormat.init(rawValue:)) ?? outputPath.map(ReportFormat.init(path:)) ?? .md
        return try ReportRenderer.render(document, as: chosen)
    }

    /// The report script `name` names; the error lists the reports there are.
    func reportFile(_ name: String) throws(EngineError) -> String {
        let folder = workspace.folder
        let candidates = name.hasSuffix(".lua")
            ? [name.hasPrefix("/") ? name : currentFolder.path + "/" + name]
            : [folder.appendingPathComponent("Scripts/reports/\(name).lua").path]
        guard let path = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            let known = reportNames()
            // Said as the workspace names it: the API's clients see this too.
            let root = folder.standardizedFileURL.path + "/"
            let looked = candidates.map { $0.hasPrefix(root) ? String($0.dropFirst(root.count)) : $0 }
            throw .failed("no report '\(name)' (looked for \(looked.joined(separator: ", ")))"
                + (known.isEmpty ? "" : "; reports: \(known.joined(separator: ", "))"))
        }
        return path
    }

    /// The reports of Scripts/reports/ by name (their files' without `.lua`; specs left out).
    public func reportNames() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: workspace.folder.appendingPathComponent("Scripts/reports").path)) ?? [])
            .filter { $0.hasSuffix(".lua") && !$0.hasSuffix("_spec.lua") }.map { String($0.dropLast(4)) }.sorted()
    }
}
