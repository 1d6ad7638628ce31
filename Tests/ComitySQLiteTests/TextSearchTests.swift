import ComityCore
import ComitySQLite
import Foundation
import Testing

/// Text search and lists of values in the store itself, in both of its forms (a file,
/// and in memory for specs): each connection folds case with Unicode, and a long list
/// stays one query.
@Suite struct TextSearchTests {
    static func names(_ store: any Store, _ filters: [RecordQuery.Filter]) throws -> [String] {
        try store.read { tx in
            var names: [String] = []
            try tx.forEach(.organisation, RecordQuery(filters: filters, orderBy: [("name", false)])) { record in
                if case .string(let name)? = record.fields["name"] { names.append(name) }
                return true
            }
            return names
        }
    }

    @Test(arguments: [false, true]) func searchFoldsUnicodeCaseInEveryStore(inMemory: Bool) throws {
        let store: any Store = inMemory ? try SQLiteStore(inMemory: .standard) : try SQLiteStore(path: temporaryDatabase())
        try store.write(commit: true) { tx in
            for name in ["АГЕНТСТВО", "Ágora", "50%_off", "plain"] {
                _ = try tx.create(.organisation, ["name": .string(name)], context: context)
            }
        }
        #expect(try Self.names(store, [.init("name", .contains, .string("агент"))]) == ["АГЕНТСТВО"])
        #expect(try Self.names(store, [.init("name", .prefix, .string("á"))]) == ["Ágora"])
        #expect(try Self.names(store, [.init("name", .contains, .string("%_"))]) == ["50%_off"])
        #expect(try Self.names(store, [.init("name", .contains, .string("0_"))]).isEmpty)
        // 1,500 values: one IN for equality, a balanced OR for searches (a chain of ORs
        // would pass SQLite's expression depth of 1,000).
        let many = (0..<1500).map { FieldValue.string("x\($0)") }
        #expect(try Self.names(store, [.init("name", operand: .anyOf(many + [.string("plain")]))]) == ["plain"])
        #expect(try Self.names(store, [.init("name", .contains, operand: .anyOf(many + [.string("LAI")]))]) == ["plain"])
        #expect(try Self.names(store, [.init("name", operand: .anyOf([]))]).isEmpty)
    }
}
