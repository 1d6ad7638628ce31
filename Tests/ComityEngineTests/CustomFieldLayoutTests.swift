import ComityCore
import ComityEngine
import Foundation
import Testing

/// Custom fields as comity.lua declares them are the definitions `StorageLayoutTests`
/// (ComitySQLiteTests) checks a migrated database with: a member of the record table's
/// `custom` column each, and no new column.
@Suite struct CustomFieldLayoutTests {
    @Test func customFieldsOfComityLuaAreMembersOfTheCustomColumnAndAddNoColumn() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("comity-layout-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try """
            return {
              custom_fields = {
                organisation = {
                  cooperates_internationally = { type = "boolean", doc = "From the ASI study" },
                  budget = "money",
                  regions = "list",
                },
                grant = { risk = { type = "choice", values = { "low", "high" } } },
              },
            }
            """.write(to: folder.appendingPathComponent("comity.lua"), atomically: true, encoding: .utf8)
        let workspace = try Workspace.load(folder)
        let organisation = workspace.schema[.organisation].fields.filter(\.custom)
        #expect(organisation.map(\.name) == ["budget", "cooperates_internationally", "regions"])
        #expect(organisation.map(\.type) == [.money, .boolean, .strings])
        #expect(organisation.allSatisfy { !$0.required && !$0.unique && !$0.indexed })

        let layout = StorageLayout(workspace.schema)
        #expect(layout.table(named: "organisations")?.customFields == ["budget", "cooperates_internationally", "regions"])
        #expect(layout.table(named: "grants")?.customFields == ["risk"])
        #expect(layout.tables.map(\.columns) == StorageLayout(.standard).tables.map(\.columns))
    }
}
