import ComityCore
import ComityEngine
import ComityExchange
import Foundation
import Logging
import LuaBridge

extension Engine {
    /// Imports the records of `file` (relative to ``currentFolder`` unless absolute) as
    /// one run in the history, then runs the workflows its events queued (an imported
    /// awarded grant's `grant.awarded`).
    /// - Parameters:
    ///   - format: nil chooses CSV or JSON by the file's extension.
    ///   - output: what the queued runs print.
    ///   - pluginOutput: what a plugin format's code prints.
    ///   - imported: called with the import before the queue is drained, so that what a
    ///     caller shows of it comes before what the queued runs print.
    public func importRecords(_ type: RecordType, file: String, format: ImportFormat? = nil, strict: Bool = false,
                              logger: Logger = Logger(label: "comity.import"), output: @escaping (String) -> Void,
                              pluginOutput: @escaping (String) -> Void = { _ in },
                              imported: (ImportedFile) throws -> Void = { _ in }) throws -> ImportOutcome {
        let path = file.hasPrefix("/") ? file : currentFolder.path + "/" + file
        let chosen: ExchangeFormat
        if case .plain(let plain) = format { chosen = plain } else { chosen = ExchangeFormat(path: file) }
        let runner = runner(logger: logger)
        // The workflows its events start are queued with its commit, and run after it.
        var importer = RecordImport(store: store, timeZone: workspace.timeZone, triggers: runner.eventQueuing(store))
        importer.spool = spool
        var header: [String] = []
        let summary: RecordImport.Summary
        do {
            switch format {
            case .plugin(let name):
                let data = try ExchangeFile.contents(path)
                guard let text = String(data: data, encoding: .utf8) else {
                    let place = TextValidity.invalidPlace(in: Array(data)).map { " (invalid byte sequence for UTF-8 at \($0))" } ?? ""
                    throw EngineError.failed("cannot read \(file) as UTF-8 text\(place)")
                }
                let input = try withPluginExchange(output: pluginOutput) { try $0.rows(type, format: name, text: text) }
                header = input.header
                summary = try importer.run(type, header: input.header, rows: input.rows, file: file, strict: strict, checkColumns: true)
            case .giving360:
                summary = try Giving360.importGrants(path, format: chosen, into: importer, strict: strict)
                header = Giving360.csvColumns
            case .plain, nil:
                let input = try ExchangeFile.read(path, format: chosen)
                header = input.header
                summary = try importer.run(type, header: input.header, rows: input.rows, file: file, strict: strict,
                                           checkColumns: chosen == .csv)
            }
        } catch let error as ExchangeFileError {
            throw EngineError.failed("\(error)")
        } catch let error as StoreError {
            throw EngineError.failed("\(error)")
        }
        let done = ImportedFile(summary: summary, header: header, path: path)
        try imported(done)
        let queued = summary.queued > 0 ? try TriggerQueue(runner: runner).drain(output: output) : []
        return ImportOutcome(file: done, queued: queued)
    }

    /// Runs `body` with the workspace's plugin formats (export and import in a format a
    /// plugin writes); a plugin's or its Lua's error is an ``EngineError``.
    /// - Parameter output: what the plugin's code prints.
    public func withPluginExchange<T>(output: @escaping (String) -> Void, _ body: (PluginExchange) throws -> T) throws -> T {
        do {
            let exchange = try PluginExchange(workspace: workspace.folder, store: store, api: api, plugins: plugins,
                                              timeZone: workspace.timeZone, output: output)
            return try body(exchange)
        } catch let error as PluginError {
            throw EngineError.failed(error.message)
        } catch let error as LuaError {
            throw EngineError.failed(error.message)
        }
    }
}
