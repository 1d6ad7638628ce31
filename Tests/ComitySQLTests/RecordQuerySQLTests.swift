import ComityCore
import ComitySQL
import Testing

/// A dialect that marks where it was asked, so that the tests see which SQL is the
/// dialect's and which is shared.
private struct MarkingDialect: SQLDialect {
    func customField(_ alias: String, _ name: String, _ type: FieldType) -> String { "CUSTOM(\(alias).\(name):\(type))" }
    func customMoney(_ alias: String, _ name: String, part: MoneyPart) -> String { "MONEY(\(alias).\(name).\(part.rawValue))" }
    func anyElement(of list: String, _ condition: (String) -> String) -> String { "ANY(\(list) | \(condition("e")))" }
    func likeFolded(_ column: String) -> String { "FOLD(\(column)) LIKE ?" }
    func orderTerm(_ expression: String, descending: Bool) -> String { expression + (descending ? " DOWN" : " UP") }
}

@Suite struct RecordQuerySQLTests {
    let sql = RecordQuerySQL(schema: .standard, dialect: MarkingDialect())

    @Test func filtersBecomeConditionsWithTheirValuesInOrder() throws {
        let query = RecordQuery(filters: [
            .init("name", .prefix, .string("50%_off")), .init("country", .equal, .string("RU")), .init("tags", .equal, .string("media")),
        ])
        let (whereSQL, arguments) = try sql.conditions(.organisation, query)
        #expect(whereSQL == " WHERE t.archived_at IS NULL AND FOLD(t.name) LIKE ? AND t.country = ? AND ANY(t.tags | e = ?)")
        #expect(arguments == [.text("50\\%\\_off%"), .text("RU"), .text("media")])
    }

    @Test func aListOfNothingSelectsNothingAndNotAllOfNothingEverything() throws {
        let none = try sql.conditions(.organisation, RecordQuery(filters: [.init("country", operand: .anyOf([]))], includeArchived: true))
        #expect(none.0 == " WHERE FALSE")
        let everything = try sql.conditions(.organisation, RecordQuery(filters: [.init("country", operand: .notAll([]))], includeArchived: true))
        #expect(everything.0 == " WHERE NOT COALESCE((TRUE), FALSE)")
    }

    @Test func ordersAndGroupsGoThroughTheDialect() throws {
        let query = RecordQuery(orderBy: [("amount_awarded", true)])
        let order = try sql.order(.grant, query, whereSQL: "", arguments: []) { _, _ in ["RUB"] }.sql
        #expect(order == "t.amount_awarded_minor DOWN, t.id")
        let totals = try sql.moneyTotals(.grant, "amount_awarded", by: ["status"], RecordQuery())
        #expect(totals.sql.contains("CAST(SUM(t.amount_awarded_minor) AS BIGINT)"))
        #expect(totals.sql.hasSuffix("GROUP BY 1, 2 ORDER BY 1 UP, 2 UP"))
    }

    @Test func mixedCurrenciesInAnOrderAreRefusedNamingThem() throws {
        #expect {
            _ = try sql.order(.grant, RecordQuery(orderBy: [("amount_awarded", false)]), whereSQL: "", arguments: []) { _, _ in ["RUB", "USD"] }
        } throws: { error in
            "\(error)".contains("hold amounts in RUB, USD, which do not compare")
        }
    }

    @Test func sumsOnlyMoneyAndDerivedFieldsNeedAClock() throws {
        #expect(throws: DomainError.self) { _ = try sql.moneyTotals(.grant, "title", by: [], RecordQuery()) }
        #expect {
            _ = try sql.conditions(.task, RecordQuery(filters: [.init("overdue", .equal, .boolean(true))]))
        } throws: { error in
            "\(error)".contains("derived from the clock")
        }
    }

    @Test func likePatternsEscapeWildcardsAndFold() {
        #expect(LikePattern.pattern("АГЕНТСТВО 100%", prefix: false) == "%агентство 100\\%%")
        #expect(LikePattern.pattern("a_b\\", prefix: true) == "a\\_b\\\\%")
    }
}
