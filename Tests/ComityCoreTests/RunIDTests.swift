import ComityCore
import Foundation
import Testing

/// One id scheme for every run, abbreviated as git abbreviates, with the ids that
/// imports and repl sessions had before still found.
@Suite struct RunIDTests {
    func run(_ id: String, _ kind: RunTrigger.Kind = .manual) -> RunRecord {
        RunRecord(id: id, workflow: nil, file: "x", contentHash: "", trigger: RunTrigger(kind), parameters: [:],
                  clock: Timestamp(Date()), startedAt: Timestamp(Date()))
    }

    @Test func aNewIdIsAUUIDWhateverTheRun() {
        let id = RunRecord.newID()
        #expect(UUID(uuidString: id) != nil && id == id.lowercased())
        #expect(!run(id, .fileImport).isScriptRun && run(id, .fileImport).isImport)
        #expect(!run(id, .repl).isScriptRun && run(id).isScriptRun)
    }

    @Test func listingsShowEnoughCharactersToTellEveryRunApart() {
        #expect(RunRecord.uniquePrefixLength(["2f3a9b1c-0000", "7d00aa11-0000"]) == 8)
        // Two that share 10 characters need 11.
        #expect(RunRecord.uniquePrefixLength(["2f3a9b1c00a", "2f3a9b1c00b", "import-2f3a9b1c01"]) == 11)
        #expect(RunRecord.shortID("import-2f3a9b1c-1111", length: 8) == "import-2f3a9b1c")
        #expect(RunRecord.shortID("2f3a9b1c-1111-2222") == "2f3a9b1c")
    }

    @Test func aStartOfTheUUIDNamesARunWithOrWithoutItsOldLabel() {
        let legacy = run("import-2f3a9b1c-1111-2222-3333-444455556666")
        #expect(legacy.isNamed(by: "2f3a") && legacy.isNamed(by: "import-2f3a") && legacy.isNamed(by: "IMPORT-2F3A"))
        #expect(!legacy.isNamed(by: "2f3b") && legacy.isImport && !legacy.isScriptRun)
        #expect(run("2f3a9b1c-1111").isNamed(by: "2f3a") && !run("2f3a9b1c-1111").isNamed(by: "repl-2f3b"))
    }
}
