import ComityCore
import Foundation

// The fixtures every case shares: a morning, a run, two currencies.
let morning = Timestamp(secondsSince1970: 1_611_648_000) // 2021-01-26T08:00:00Z
let context = ChangeContext(run: "run-1", at: morning)
let rub = Currency.fixture("RUB")
let usd = Currency.fixture("USD")

extension Currency {
    /// A code the tests know to be valid.
    static func fixture(_ code: String) -> Currency {
        guard let currency = try? Currency(code) else { preconditionFailure("\(code) is a currency") }
        return currency
    }
}

/// The round table's world, small: two organisations, in a new store.
struct World {
    let store: any Store
    let location: String
    let asi: RecordReference
    let foundation: RecordReference

    init(_ factory: any StoreFactory, schema: DomainSchema = .standard) throws {
        location = factory.newLocation()
        store = try factory.open(location, StoreOpening(schema: schema))
        (asi, foundation) = try store.write(commit: true) { tx in
            let asi = try tx.create(.organisation, [
                "name": .string("Agency for Social Information"), "kind": .string("national_ngo"),
                "country": .string("RU"), "identifier": .string("RU-INN-7707083893"), "tags": .strings(["media"]),
            ], context: context)
            let foundation = try tx.create(.organisation, [
                "name": .string("Presidential Grants Foundation"), "kind": .string("foundation"), "country": .string("RU"),
            ], context: context)
            return (asi.reference, foundation.reference)
        }
    }

    func grant(_ title: String, _ amount: Money?, tx: any StoreTransaction) throws -> Record {
        var fields: [String: FieldValue] = [
            "title": .string(title), "funder": .reference(foundation), "recipient": .reference(asi),
            "programme": .string("public diplomacy"),
        ]
        if let amount { fields["amount_awarded"] = .money(amount) }
        return try tx.create(.grant, fields, context: context)
    }
}
