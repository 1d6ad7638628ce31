import ComityCore
import Foundation
import Testing

/// Queries: every kind of filter (comparisons, text search, currency, lists of values,
/// conditions through links, empty values, derived fields, built-in fields), every
/// order, limits, archived records, counts by group and sums, as any store computes them.
enum QueryCases {
    /// The names of the organisations a query selects, in its order.
    static func names(_ tx: any StoreTransaction, _ query: RecordQuery) throws -> [String] {
        var names: [String] = []
        try tx.forEach(.organisation, query) { record in
            names.append(record.fields["name"]?.description ?? "?")
            return true
        }
        return names
    }

    static func titles(_ tx: any StoreTransaction, _ type: RecordType, _ query: RecordQuery) throws -> [String] {
        var titles: [String] = []
        try tx.forEach(type, query) { record in
            titles.append(record.fields["title"]?.description ?? "?")
            return true
        }
        return titles
    }

    static func filter(_ filters: RecordQuery.Filter...) -> RecordQuery { RecordQuery(filters: filters) }

    static let later = ChangeContext(run: "run-2", at: Timestamp(secondsSince1970: morning.secondsSince1970 + 86_400))

    static let all: [StoreConformanceCase] = [
        StoreConformanceCase("everyFilterOfRecordsSelectsWhatItSays") { factory in
            let world = try World(factory)
            let stiftung = try world.store.write(commit: true) { tx in
                let stiftung = try tx.create(.organisation, [
                    "name": .string("Deutsche Stiftung 100%"), "kind": .string("foundation"), "country": .string("DE"),
                    "tags": .strings(["media", "policy"]),
                ], context: later).reference
                _ = try tx.create(.organisation, ["name": .string("Без страны")], context: later)
                return stiftung
            }
            try world.store.read { tx throws in
                let asi = "Agency for Social Information", pgf = "Presidential Grants Foundation"
                let ds = "Deutsche Stiftung 100%", none = "Без страны"
                #expect(try names(tx, filter(.init("name", .equal, .string(ds)))) == [ds])
                #expect(try names(tx, filter(.init("country", .notEqual, .string("RU")))) == [ds])
                #expect(try names(tx, filter(.init("country", .equal, nil))) == [none])
                #expect(try names(tx, filter(.init("country", .notEqual, nil))) == [asi, pgf, ds])
                #expect(try names(tx, filter(.init("kind", .equal, .string("foundation")))) == [pgf, ds])
                // Text search: any case, and `%` is itself.
                #expect(try names(tx, filter(.init("name", .contains, .string("STIFT")))) == [ds])
                #expect(try names(tx, filter(.init("name", .contains, .string("100%")))) == [ds])
                #expect(try names(tx, filter(.init("name", .contains, .string("%")))) == [ds])
                #expect(try names(tx, filter(.init("name", .contains, .string("_")))) == [])
                #expect(try names(tx, filter(.init("name", .prefix, .string("pres")))) == [pgf])
                #expect(try names(tx, filter(.init("name", .prefix, .string("без")))) == [none])
                // Any of a list; none of an empty one.
                #expect(try names(tx, filter(.init("country", operand: .anyOf([.string("DE"), .string("RU")])))) == [asi, pgf, ds])
                #expect(try names(tx, filter(.init("country", operand: .anyOf([])))) == [])
                // A list of strings holds an item, or all of several.
                #expect(try names(tx, filter(.init("tags", .equal, .string("policy")))) == [ds])
                #expect(try names(tx, filter(.init("tags", .equal, .strings(["media"])))) == [asi, ds])
                #expect(try names(tx, filter(.init("tags", .equal, .strings(["media", "policy"])))) == [ds])
                // Built-in fields.
                #expect(try names(tx, filter(.init("id", .less, .integer(stiftung.id)))) == [asi, pgf])
                #expect(try names(tx, filter(.init("created_at", .greaterOrEqual, .time(later.at)))) == [ds, none])
                #expect(try names(tx, filter(.init("updated_at", .less, .time(later.at)))) == [asi, pgf])
                // Several filters: all hold.
                #expect(try names(tx, filter(.init("country", .equal, .string("RU")), .init("kind", .equal, .string("foundation")))) == [pgf])
                // Unknown fields and bad values are refused, naming them.
                #expect(throws: DomainError.self) { try tx.count(.organisation, filter(.init("nmae", .equal, .string("x")))) }
                #expect(throws: DomainError.self) { try tx.count(.organisation, filter(.init("country", .equal, .string("SU")))) }
            }
        },

        StoreConformanceCase("filtersOnMoneyDatesLinksAndDerivedFields") { factory in
            let world = try World(factory)
            let stiftung = try world.store.write(commit: true) { tx in
                try tx.create(.organisation, ["name": .string("Stiftung"), "country": .string("DE"),
                                              "identifier": .string("DE-CR-HRB12345")], context: context).reference
            }
            try world.store.write(commit: true) { tx in
                _ = try tx.create(.grant, ["title": .string("small"), "funder": .reference(world.foundation), "recipient": .reference(world.asi),
                                           "amount_awarded": .money(Money(minorUnits: 100_00, currency: rub)),
                                           "report_due": .string("2021-03-01")], context: context)
                _ = try tx.create(.grant, ["title": .string("large"), "funder": .reference(world.foundation), "recipient": .reference(world.asi),
                                           "amount_awarded": .money(Money(minorUnits: 900_00, currency: rub)),
                                           "report_due": .string("2021-06-01")], context: context)
                _ = try tx.create(.grant, ["title": .string("dollars"), "funder": .reference(stiftung), "recipient": .reference(world.asi),
                                           "amount_awarded": .money(Money(minorUnits: 500_00, currency: usd))], context: context)
                _ = try tx.create(.event, ["title": .string("Round table"), "starts_at": .time(morning),
                                           "organisers": .references([world.asi, stiftung])], context: context)
                _ = try tx.create(.event, ["title": .string("Webinar"), "starts_at": .time(morning)], context: context)
                let open = try tx.create(.task, ["title": .string("late"), "due": .time(Timestamp(secondsSince1970: morning.secondsSince1970 - 60)),
                                                 "about": .reference(world.asi)], context: context)
                _ = try tx.create(.task, ["title": .string("in time"), "due": .time(Timestamp(secondsSince1970: morning.secondsSince1970 + 60))],
                                  context: context)
                let done = try tx.create(.task, ["title": .string("done late"), "due": .time(Timestamp(secondsSince1970: 0))], context: context)
                _ = try tx.step(done.reference, "complete", [:], context: context)
                _ = open
            }
            try world.store.read { tx throws in
                #expect(try titles(tx, .grant, filter(.init("amount_awarded", .less, .string("500.00 RUB")))) == ["small"])
                #expect(try titles(tx, .grant, filter(.init("amount_awarded", .greaterOrEqual, .money(Money(minorUnits: 100_00, currency: rub)))))
                    == ["small", "large"])
                #expect(try titles(tx, .grant, filter(.init("amount_awarded", .currency, .string("usd")))) == ["dollars"])
                #expect(try titles(tx, .grant, filter(.init("report_due", .greater, .string("2021-04-01")))) == ["large"])
                #expect(try titles(tx, .grant, filter(.init("report_due", .equal, nil))) == ["dollars"])
                // A link by reference, by id, by identifier, and through conditions on the linked record.
                #expect(try titles(tx, .grant, filter(.init("funder", .equal, .reference(stiftung)))) == ["dollars"])
                #expect(try titles(tx, .grant, filter(.init("funder", .equal, .integer(world.foundation.id)))) == ["small", "large"])
                #expect(try titles(tx, .grant, filter(.init("funder", .equal, .string("DE-CR-HRB12345")))) == ["dollars"])
                #expect(try titles(tx, .grant, filter(.init("funder", operand: .linked([.init("country", .equal, .string("DE"))])))) == ["dollars"])
                // Lists of records: holding one, through conditions, or empty.
                #expect(try titles(tx, .event, filter(.init("organisers", .equal, .references([stiftung])))) == ["Round table"])
                #expect(try titles(tx, .event, filter(.init("organisers", operand: .linked([.init("country", .equal, .string("DE"))]))))
                    == ["Round table"])
                #expect(try titles(tx, .event, filter(.init("organisers", .equal, nil))) == ["Webinar"])
                // A record of any type; a derived field, true and false, by the query's clock.
                #expect(try titles(tx, .task, filter(.init("about", .equal, .reference(world.asi)))) == ["late"])
                #expect(try titles(tx, .task, RecordQuery(filters: [.init("overdue", .equal, .boolean(true))], now: morning)) == ["late"])
                #expect(try titles(tx, .task, RecordQuery(filters: [.init("overdue", .equal, .boolean(false))], now: morning))
                    == ["in time", "done late"])
                #expect(throws: DomainError.self) { try tx.count(.task, filter(.init("overdue", .equal, .boolean(true)))) } // no clock
                #expect(try titles(tx, .task, filter(.init("status", operand: .anyOf([.string("done"), .string("cancelled")])))) == ["done late"])
            }
        },

        StoreConformanceCase("ordersLimitsArchivedRecordsCountsByGroupAndSums") { factory in
            let world = try World(factory)
            try world.store.write(commit: true) { tx in
                _ = try tx.create(.organisation, ["name": .string("Deutsche Stiftung"), "country": .string("DE")], context: later)
                let gone = try tx.create(.organisation, ["name": .string("Archived"), "country": .string("RU")], context: later)
                _ = try tx.archive(gone.reference, context: later)
                _ = try tx.create(.organisation, ["name": .string("Nowhere")], context: later)
                for (title, minor, currency) in [("b", 300_00, rub), ("a", 100_00, rub), ("c", 200_00, rub), ("d", 50_00, usd)] {
                    let grant = try world.grant(title, Money(minorUnits: Int64(minor), currency: currency), tx: tx)
                    if title == "c" { _ = try tx.step(grant.reference, "submit", [:], context: context) }
                }
            }
            try world.store.read { tx throws in
                #expect(try names(tx, RecordQuery(orderBy: [("name", false)]))
                    == ["Agency for Social Information", "Deutsche Stiftung", "Nowhere", "Presidential Grants Foundation"])
                #expect(try names(tx, RecordQuery(orderBy: [("country", true), ("name", false)], limit: 2))
                    == ["Agency for Social Information", "Presidential Grants Foundation"])
                #expect(try names(tx, RecordQuery(orderBy: [("created_at", true), ("id", true)], limit: 1)) == ["Nowhere"])
                #expect(try names(tx, RecordQuery(limit: 0)) == [])
                #expect(try names(tx, RecordQuery(filters: [.init("name", .equal, .string("Archived"))])) == [])
                #expect(try names(tx, RecordQuery(filters: [.init("name", .equal, .string("Archived"))], includeArchived: true)) == ["Archived"])
                // Money orders by amount, within one currency.
                let roubles = RecordQuery.Filter("amount_awarded", .currency, .string("RUB"))
                #expect(try titles(tx, .grant, RecordQuery(filters: [roubles], orderBy: [("amount_awarded", false)])) == ["a", "c", "b"])
                #expect(try titles(tx, .grant, RecordQuery(filters: [roubles], orderBy: [("amount_awarded", true)])) == ["b", "c", "a"])
                #expect(try titles(tx, .grant, RecordQuery(orderBy: [("status", true), ("title", false)])) == ["c", "a", "b", "d"])
                #expect {
                    try titles(tx, .grant, RecordQuery(orderBy: [("amount_awarded", false)]))
                } throws: { error in
                    "\(error)" == "cannot order grants by 'amount_awarded': the records found hold amounts in RUB, USD, which do not compare; "
                        + "find one currency at a time (amount_awarded_currency = \"RUB\")"
                }
                // Counts by group, ordered by the group's values, an empty value first.
                let byCountry = try tx.count(.organisation, by: ["country"], RecordQuery())
                #expect(byCountry.map(\.group) == [[nil], [.string("DE")], [.string("RU")]])
                #expect(byCountry.map(\.count) == [1, 1, 2])
                #expect(try tx.count(.grant, by: ["status"], RecordQuery()).map { $0.count } == [3, 1])
                let totals = try tx.sum(.grant, "amount_awarded", by: ["status"], RecordQuery())
                #expect(totals == [
                    MoneyTotal(group: [.string("draft")], total: Money(minorUnits: 400_00, currency: rub)),
                    MoneyTotal(group: [.string("draft")], total: Money(minorUnits: 50_00, currency: usd)),
                    MoneyTotal(group: [.string("submitted")], total: Money(minorUnits: 200_00, currency: rub)),
                ])
                #expect(try tx.sum(.grant, "amount_awarded", by: [], RecordQuery(filters: [roubles])) == [
                    MoneyTotal(group: [], total: Money(minorUnits: 600_00, currency: rub)),
                ])
            }
        },
    ]
}
