import ComityCore
import ComityExchange
import ComitySQLite
import Foundation
import Testing

/// Import and export over the Store protocols alone, without the engine: the files in
/// Tests/Fixtures/exchange into a real SQLite store, and back out.
@Suite struct RecordImportTests {
    let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/exchange")

    func store() throws -> SQLiteStore {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("comity-exchange-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return try SQLiteStore(path: folder.appendingPathComponent("comity.db").path)
    }

    func importOrganisations(into store: any Store, path: String, format: ExchangeFormat = .csv) throws -> RecordImport.Summary {
        let input = try ExchangeFile.read(path, format: format)
        return try RecordImport(store: store).run(.organisation, header: input.header, rows: input.rows,
                                                  file: URL(fileURLWithPath: path).lastPathComponent, strict: false,
                                                  checkColumns: format == .csv)
    }

    @Test func badRowsAreRejectedWithTheirLineAndTheSecondImportChangesNothing() throws {
        let store = try store()
        let path = fixtures.appendingPathComponent("organisations.csv").path
        let first = try importOrganisations(into: store, path: path)
        #expect((first.created, first.updated, first.unchanged) == (3, 0, 0))
        #expect(first.rejected.map(\.line) == [6, 7])
        #expect(first.rejected.first?.reason.contains("invalid country 'SU'") == true, "\(first.rejected)")
        #expect(first.rejected.last?.reason.contains("invalid identifier 'ZZ-1'") == true, "\(first.rejected)")
        #expect(try store.read { try $0.count(.organisation, RecordQuery()) } == 3)
        let again = try importOrganisations(into: store, path: path)
        #expect((again.created, again.updated, again.unchanged) == (0, 0, 3))
        // The import is in the run history, partial because rows were rejected.
        let run = try #require(try store.read { try $0.run(id: first.run) })
        #expect(run.outcome == .partial)
    }

    @Test func anExportImportsIntoAnEmptyStoreAsTheSameRecords() throws {
        let source = try store()
        _ = try importOrganisations(into: source, path: fixtures.appendingPathComponent("organisations.csv").path)
        for format in [ExchangeFormat.csv, .json] {
            let text = try ExchangeFile.export(.organisation, store: source, timeZone: .gmt, format: format)
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("comity-export-\(UUID().uuidString).\(format)")
            try text.write(to: file, atomically: true, encoding: .utf8)
            let target = try store()
            let imported = try importOrganisations(into: target, path: file.path, format: format)
            #expect((imported.created, imported.rejected.count) == (3, 0), "\(format): \(imported.rejected)")
            #expect(try ExchangeFile.export(.organisation, store: target, timeZone: .gmt, format: format) == text)
        }
    }
}
