import Foundation

/// Run records that could not be written to the database when their run ended (it was
/// locked by another process past the wait, or the disk was full), kept as files beside
/// it until a later command can write them. So a run's record is never lost, and a run
/// whose end is known is never taken for one a crash interrupted.
public struct RunRecordSpool: Sendable {
    /// One JSON file per run, named by its id.
    public let folder: URL

    public init(folder: URL) {
        self.folder = folder
    }

    /// The spool beside a database file: `comity.db.pending-runs/`.
    public init(database path: String) {
        self.init(folder: URL(fileURLWithPath: path + ".pending-runs"))
    }

    /// Keeps `record` until `flush` writes it (a later record of the same run replaces it).
    public func keep(_ record: RunRecord) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Written whole or not at all: a half file would be read as damaged.
        try encoder.encode(record).write(to: file(record.id), options: .atomic)
    }

    /// Writes every kept record into `store`, each in its own transaction, and forgets
    /// those written. Returns the ids still waiting (the database is still busy or full).
    @discardableResult
    public func flush(into store: any Store) -> Set<String> {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        var waiting: Set<String> = []
        for name in names.sorted() where name.hasSuffix(".json") {
            let url = folder.appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: url.path),
                  let record = try? JSONDecoder().decode(RunRecord.self, from: data) else {
                continue // not one of ours, or being written: left as it is
            }
            // After one failure the rest wait too: each try would wait out the lock again.
            guard waiting.isEmpty else {
                waiting.insert(record.id)
                continue
            }
            do {
                try store.write(commit: true) { try $0.saveRun(record) }
                try? FileManager.default.removeItem(at: url)
            } catch {
                waiting.insert(record.id)
            }
        }
        if waiting.isEmpty, (try? FileManager.default.contentsOfDirectory(atPath: folder.path))?.isEmpty == true {
            try? FileManager.default.removeItem(at: folder) // nothing waits: no folder left behind
        }
        return waiting
    }

    private func file(_ id: String) -> URL {
        // Run ids are UUIDs with a prefix; anything else is kept out of the path.
        let safe = id.filter { $0.isLetter || $0.isNumber || $0 == "-" }
        return folder.appendingPathComponent(safe + ".json")
    }
}
