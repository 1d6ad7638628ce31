import ComityCore
import Foundation
import Testing

/// The layout is what a store's DDL would be generated from: it must make sense as a
/// database on its own (names unique, keys and indexes on columns that exist,
/// references to tables that exist), and say what the domain schema says.
@Suite struct StorageLayoutDerivationTests {
    static var customised: DomainSchema {
        var schema = DomainSchema.standard
        try? schema.addCustomField(FieldDefinition("budget", .money, "Annual budget."), to: .organisation)
        try? schema.addCustomField(FieldDefinition("risk", .choice(["low", "high"]), "Risk."), to: .grant)
        return schema
    }

    @Test(arguments: [DomainSchema.standard, customised])
    func theLayoutIsADatabaseOnItsOwn(_ schema: DomainSchema) {
        let layout = StorageLayout(schema)
        let tableNames = layout.tables.map(\.name)
        #expect(Set(tableNames).count == tableNames.count)
        // PostgreSQL names indexes per schema, not per table.
        let indexNames = layout.tables.flatMap { $0.indexes.map(\.name) }
        #expect(Set(indexNames).count == indexNames.count)
        for table in layout.tables {
            let columns = table.columns.map(\.name)
            #expect(Set(columns).count == columns.count, "\(table.name)")
            #expect(!table.primaryKey.isEmpty && table.primaryKey.allSatisfy { table.column(named: $0)?.nullable == false },
                    "\(table.name)")
            if table.generatesIDs { #expect(table.primaryKey == ["id"] && table.column(named: "id")?.type == .integer) }
            for index in table.indexes {
                #expect(!index.columns.isEmpty && index.columns.allSatisfy(columns.contains), "\(index.name)")
            }
            for column in table.columns {
                if let target = column.references { #expect(tableNames.contains(target), "\(table.name).\(column.name)") }
            }
        }
    }

    @Test func eachKindOfFieldHasTheColumnsItsTypeImplies() throws {
        let layout = StorageLayout(.standard)
        let grants = try #require(layout.table(named: "grants"))
        #expect(grants.contents == .records(.grant))
        #expect(grants.column(named: "funder") == StorageLayout.Column("funder", .integer, nullable: false, references: "organisations"))
        #expect(grants.column(named: "amount_awarded_minor")?.type == .integer)
        #expect(grants.column(named: "amount_awarded_currency")?.type == .text)
        #expect(grants.column(named: "amount_awarded") == nil)
        #expect(grants.column(named: "applied_on")?.type == .date)
        #expect(grants.column(named: "status")?.nullable == false)
        #expect(grants.indexes.contains(StorageLayout.Index("grants_funder", ["funder"])))
        #expect(grants.indexes.contains(StorageLayout.Index("grants_identifier", ["identifier"], unique: true)))
        let tasks = try #require(layout.table(named: "tasks"))
        #expect(tasks.indexes.contains(StorageLayout.Index("tasks_about", ["about_type", "about_id"])))
        #expect(tasks.column(named: "due")?.type == .timestamp)
        #expect(tasks.column(named: "about_id")?.references == nil)
        let members = try #require(layout.table(named: "partnership_members"))
        #expect(members.contents == .links(.partnership, field: "members"))
        #expect(members.primaryKey == ["owner", "position"])
        #expect(members.column(named: "target")?.references == "organisations")
        #expect(layout.table(named: "people")?.column(named: "status") == nil)
    }

    @Test func customFieldsAreMembersOfTheCustomColumnNotColumns() throws {
        let layout = StorageLayout(Self.customised)
        let organisations = try #require(layout.table(named: "organisations"))
        #expect(organisations.customFields == ["budget"])
        #expect(organisations.column(named: "budget_minor") == nil && organisations.column(named: "budget") == nil)
        #expect(organisations.column(named: "custom") == StorageLayout.Column("custom", .json, nullable: false, default: .text("{}")))
        #expect(layout.table(named: "grants")?.customFields == ["risk"])
    }
}
