import ComityCore
import ComityEngine
import ComitySQLite
import Foundation

extension Engine {
    /// Runs the specs (`*_spec.lua`) in `paths` (files or folders, relative to `folder`),
    /// by default the workspace's Scripts/. Each case gets its own empty database in
    /// memory; the workspace's own database is not opened.
    /// - Parameter fileRan: called as each file's cases end, for a caller that shows them
    ///   as they come.
    public static func specs(_ paths: [String] = [], around folder: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
                             fileRan: (SpecFile) -> Void = { _ in }) throws(EngineError) -> SpecSuite {
        let workspace = try Self.workspace(around: folder)
        let roots = paths.isEmpty
            ? [workspace.folder.appendingPathComponent("Scripts")]
            : paths.map { $0.hasPrefix("/") ? URL(fileURLWithPath: $0) : folder.appendingPathComponent($0) }
        for (path, root) in zip(paths, roots) where !FileManager.default.fileExists(atPath: root.path) {
            throw .failed("no such file or folder: \(path)")
        }
        let schema = workspace.schema
        let runner = SpecRunner(workspace: workspace.folder, schema: schema, api: .standard(schema: schema),
                                timeZone: workspace.timeZone, makeStore: { try SQLiteStore(inMemory: schema) })
        var files: [SpecFile] = []
        for file in SpecRunner.specFiles(roots) {
            let shown = relative(file, to: folder)
            let ran = SpecFile(file: file, shown: shown, cases: runner.run(file: file, shownAs: shown))
            fileRan(ran)
            files.append(ran)
        }
        return SpecSuite(files: files)
    }

    static func relative(_ file: URL, to folder: URL) -> String {
        let root = folder.standardizedFileURL.path + "/"
        let path = file.standardizedFileURL.path
        return path.hasPrefix(root) ? String(path.dropFirst(root.count)) : path
    }
}
