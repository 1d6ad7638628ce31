import ComityCore
import Foundation
import Testing

@Suite struct RecordSchemaTests {
    let schema = DomainSchema.standard

    @Test func valuesAreNormalisedFromText() throws {
        let org = try schema[.organisation].validate([
            "name": .string("Agency for Social Information"),
            "kind": .integer(22),
            "country": .string("ru"),
            "identifier": .string("ru-inn-7707083893"),
            "website": .string("https://www.asi.org.ru"),
            "email": .string(" info@asi.org.ru "),
            "tags": .string("media; civil society;"),
        ], creating: true)
        #expect(org["kind"] == .string("national_ngo"))
        #expect(org["country"] == .string("RU"))
        #expect(org["identifier"] == .string("RU-INN-7707083893"))
        #expect(org["email"] == .string("info@asi.org.ru"))
        #expect(org["tags"] == .strings(["media", "civil society"]))

        let grant = try schema[.grant].validate([
            "title": .string("Public diplomacy"),
            "funder": .reference(RecordReference(.organisation, 1)),
            "recipient": .reference(RecordReference(.organisation, 2)),
            "amount_awarded": .string("3,523,035.23 RUB"),
            "applied_on": .string("2020-11-02"),
        ], creating: true)
        #expect(grant["amount_awarded"] == .money(Money(minorUnits: 352_303_523, currency: try Currency("RUB"))))
        #expect(grant["applied_on"] == .date(try CalendarDate(parsing: "2020-11-02")))

        let event = try schema[.event].validate(
            ["title": .string("Round table"), "starts_at": .string("2021-01-26T11:00"), "kind": .string("round table")],
            creating: true, timeZone: TimeZone(identifier: "Europe/Moscow")!)
        #expect(event["starts_at"] == .time(try Timestamp(parsing: "2021-01-26T08:00:00Z")))
        #expect(event["kind"] == .string("round_table"))
    }

    @Test(arguments: [
        (RecordType.organisation, ["name": FieldValue.string("A"), "nmae": .string("B")], "Organisation has no field 'nmae'"),
        (.organisation, ["kind": .string("foundation")], "Organisation needs 'name' (The organisation's name.)"),
        (.organisation, ["name": .string("A"), "kind": .string("ngo")],
         "invalid kind 'ngo' (allowed: government, local_government, other_public_sector, international_ngo, national_ngo, regional_ngo, partner_country_ngo, public_private_partnership, multilateral, foundation, private_sector, academic, other, or an IATI code)"),
        (.organisation, ["name": .integer(5), "country": .string("UK")],
         "invalid country 'UK' (expected an ISO 3166-1 alpha-2 code such as 'RU' or 'GB')"),
        (.organisation, ["name": .string("A"), "identifier": .string("ZZ-X-1")],
         "invalid identifier 'ZZ-X-1' (prefix 'ZZ-X' is not in the org-id.guide register; expected PREFIX-localid such as GB-CHC-1090095 or RU-INN-7707083893)"),
        (.organisation, ["name": .string("A"), "website": .string("asi.org.ru")],
         "invalid website 'asi.org.ru' (expected http:// or https:// and a host)"),
        (.organisation, ["name": .string("A"), "email": .string("asi")], "invalid email 'asi' (expected an address such as info@asi.ru)"),
        (.grant, ["title": .string("T"), "funder": .reference(RecordReference(.person, 1)), "recipient": .reference(RecordReference(.organisation, 2))],
         "Grant field 'funder' must be an Organisation, got Person 'person#1'"),
        (.grant, ["title": .string("T"), "funder": .reference(RecordReference(.organisation, 1)),
                  "recipient": .reference(RecordReference(.organisation, 2)), "amount_awarded": .integer(5)],
         "Grant field 'amount_awarded' must be Money, got integer '5'"),
        (.grant, ["title": .string("T"), "funder": .reference(RecordReference(.organisation, 1)),
                  "recipient": .reference(RecordReference(.organisation, 2)), "amount_awarded": .string("12 roubles")],
         "invalid currency 'roubles' (not an ISO 4217 code)"),
        (.grant, ["title": .string("T"), "funder": .reference(RecordReference(.organisation, 1)),
                  "recipient": .reference(RecordReference(.organisation, 2)), "applied_on": .string("2021-02-30")],
         "invalid applied_on '2021-02-30' (expected a date such as 2021-01-26)"),
        (.event, ["title": .string("T"), "starts_at": .string("tomorrow")],
         "invalid starts_at 'tomorrow' (expected ISO 8601 such as 2021-01-26, 2021-01-26T11:00, or 2021-01-26T11:00:00+03:00)"),
        (.event, ["title": .string("T"), "starts_at": .string("2021-01-26"), "kind": .string("party")],
         "invalid kind 'party' for Event (allowed: round_table, conference, forum, festival, webinar, training, other)"),
        (.grant, ["status": .string("awarded")], "Grant field 'status' changes only through its lifecycle steps"),
        (.partnership, ["members": .references([RecordReference(.organisation, 1)])],
         "Partnership field 'members' needs at least 2 items, got 1"),
    ])
    func badValuesNameTheirField(type: RecordType, values: [String: FieldValue], message: String) throws {
        let error = try #require(throws: DomainError.self) { try schema[type].validate(values, creating: true) }
        #expect(error.message == message)
        #expect(error.field != nil)
    }

    @Test func changesNeedNotRepeatRequiredFields() throws {
        let change = try schema[.grant].validate(["programme": .string("Public diplomacy")], creating: false)
        #expect(change == ["programme": .string("Public diplomacy")])
    }

    @Test func customFieldsJoinTheSchema() throws {
        var custom = DomainSchema.standard
        try custom.addCustomField(FieldDefinition("cooperates_internationally", .boolean, "From the ASI study."), to: .organisation)
        try custom.addCustomField(FieldDefinition("sdg_goals", .strings, "UN goals."), to: .grant)
        try custom.addCustomField(FieldDefinition("risk", .choice(["low", "medium", "high"]), "Compliance flag."), to: .grant)
        let org = try custom[.organisation].validate(["name": .string("ASI"), "cooperates_internationally": .string("yes")], creating: true)
        #expect(org["cooperates_internationally"] == .boolean(true))
        #expect(custom[.organisation].field(named: "cooperates_internationally")?.custom == true)
        #expect(throws: DomainError.self) {
            try custom[.grant].validate(["risk": .string("extreme")], creating: false)
        }
        for (definition, message) in [
            (FieldDefinition("name", .string, "x"), "Organisation already has a field 'name'"),
            (FieldDefinition("status", .string, "x"), "Organisation already has a field 'status'"),
            (FieldDefinition("Bad Name", .string, "x"), "custom field name 'Bad Name' must be lower case letters, digits and '_', starting with a letter"),
            (FieldDefinition("1st", .string, "x"), "custom field name '1st' must be lower case letters, digits and '_', starting with a letter"),
            (FieldDefinition("_x", .string, "x"), "custom field name '_x' must be lower case letters, digits and '_', starting with a letter"),
            (FieldDefinition("café", .string, "x"), "custom field name 'café' must be lower case letters, digits and '_', starting with a letter"),
            (FieldDefinition("", .string, "x"), "custom field name '' must be lower case letters, digits and '_', starting with a letter"),
            (FieldDefinition("partner", .reference(.organisation), "x"),
             "custom field 'partner' cannot be of type Organisation (allowed: string, integer, decimal, boolean, date, money, choice, list of strings)"),
        ] {
            let error = try #require(throws: DomainError.self) { try custom.addCustomField(definition, to: .organisation) }
            #expect(error.message == message)
        }
    }

    @Test func schemasCarryTheirLifecycles() {
        #expect(schema[.grant].lifecycle?.initial == "draft")
        #expect(schema[.grant].lifecycle?.steps.first { $0.verb == "award" }?.event == "grant.awarded")
        #expect(schema[.organisation].lifecycle == nil)
        #expect(schema[.task].readableNames.contains("status"))
        #expect(RecordType.allCases.map(\.collection) == ["orgs", "people", "grants", "partnerships", "events", "applications", "tasks"])
        for type in RecordType.allCases { #expect(!schema[type].fields.isEmpty) }
    }
}
