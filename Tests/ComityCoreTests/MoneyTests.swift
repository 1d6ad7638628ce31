import ComityCore
import Testing

@Suite struct MoneyTests {
    let rub = try! Currency("RUB")
    let usd = try! Currency("usd")

    @Test func formatsWithGroupsAndTheCurrencysDecimals() throws {
        #expect(Money(minorUnits: 130_000_000_000, currency: rub).description == "1,300,000,000.00 RUB")
        #expect(Money(minorUnits: -5, currency: usd).description == "-0.05 USD")
        #expect(Money(minorUnits: 1_234_567, currency: try Currency("JPY")).description == "1,234,567 JPY")
        #expect(Money(minorUnits: 1_234_567, currency: try Currency("KWD")).description == "1,234.567 KWD")
        #expect(Money(minorUnits: 0, currency: rub).description == "0.00 RUB")
        #expect(Money(minorUnits: Int64.min, currency: rub).description == "-92,233,720,368,547,758.08 RUB")
    }

    @Test func parsesDecimalAmountsExactly() throws {
        #expect(try Money("1,300,000,000.00", currency: rub).minorUnits == 130_000_000_000)
        #expect(try Money("1300000000", currency: rub).minorUnits == 130_000_000_000)
        #expect(try Money(" -12.5 ", currency: usd).minorUnits == -1250)
        #expect(try Money(".75", currency: usd).minorUnits == 75)
        #expect(try Money("500", currency: try Currency("JPY")).minorUnits == 500)
        for bad in ["", "12.3.4", "abc", "1e5", "12.345", "１２", "--1", "0x10"] {
            #expect(throws: DomainError.self, "\(bad)") { try Money(bad, currency: usd) }
        }
        let tooPrecise = try #require(throws: DomainError.self) { try Money("1.005", currency: usd, field: "amount_awarded") }
        #expect(tooPrecise.message == "invalid amount_awarded '1.005' (USD has 2 decimal places)")
        #expect(tooPrecise.field == "amount_awarded")
        #expect(throws: DomainError.self) { try Money("99999999999999999999", currency: usd) }
    }

    /// Commas group thousands and nothing else: "1,5" was 15.00 and "1,2,3" 123.00.
    @Test func commasOnlyGroupThousands() throws {
        #expect(try Money("1,300", currency: usd).minorUnits == 130_000)
        #expect(try Money("12,345,678.90", currency: usd).minorUnits == 1_234_567_890)
        let decimalComma = try #require(throws: DomainError.self) { try Money("1,5", currency: usd) }
        #expect(decimalComma.message == "invalid amount '1,5': a decimal comma; write '1.5' (commas only group thousands, as in 1,300,000.50)")
        #expect(throws: DomainError.self) { try Money("12,50", currency: usd) }
        for bad in ["1,2,3", "1234,567", ",100", "100,", "1,00,000", "1,000.5,0", "1_000", "1 000"] {
            let error = try #require(throws: DomainError.self, "\(bad)") { try Money(bad, currency: usd) }
            #expect(error.message.hasPrefix("invalid amount '\(bad)'"), "\(error.message)")
        }
    }

    @Test func arithmeticStaysInOneCurrency() throws {
        let a = Money(minorUnits: 100, currency: rub)
        let b = Money(minorUnits: 250, currency: rub)
        #expect(try a.adding(b) == Money(minorUnits: 350, currency: rub))
        #expect(try a.subtracting(b) == Money(minorUnits: -150, currency: rub))
        #expect(try b.multiplied(by: 369) == Money(minorUnits: 92_250, currency: rub))
        #expect(try a.isLess(than: b))
        let mixed = try #require(throws: DomainError.self) { try a.adding(Money(minorUnits: 1, currency: usd)) }
        #expect(mixed.kind == .mixedCurrencies)
        #expect(mixed.message == "cannot add RUB and USD amounts (1.00 RUB, 0.01 USD)")
        #expect(throws: DomainError.self) { try Money(minorUnits: .max, currency: rub).adding(a) }
        #expect(throws: DomainError.self) { try Money(minorUnits: .max / 2, currency: rub).multiplied(by: 3) }
    }
}

@Suite struct ReferenceCodeTests {
    @Test func currenciesAreCheckedAgainstTheList() throws {
        #expect(try Currency("rub").code == "RUB")
        #expect(try Currency("GBP").name == "Pound sterling")
        let wrong = try #require(throws: DomainError.self) { try Currency("RUX") }
        #expect(wrong.message == "invalid currency 'RUX' (not an ISO 4217 code; did you mean 'RUB'?)")
        #expect(wrong.field == "currency")
        #expect(try Currency("RUR").name == "Russian ruble") // the pre-1998 code is still on the list
        #expect(throws: DomainError.self) { try Currency("") }
        #expect(throws: DomainError.self) { try Currency("roubles") }
    }

    @Test func countriesAreCheckedAgainstTheList() throws {
        #expect(try CountryCode("ru").code == "RU")
        #expect(try CountryCode("GB").name == "United Kingdom of Great Britain and Northern Ireland")
        let wrong = try #require(throws: DomainError.self) { try CountryCode("UK") }
        #expect(wrong.message == "invalid country 'UK' (expected an ISO 3166-1 alpha-2 code such as 'RU' or 'GB')")
        #expect(throws: DomainError.self) { try CountryCode("RUS") }
    }

    @Test func organisationIdentifiersNeedARegisteredPrefix() throws {
        let charity = try OrgIdentifier("GB-CHC-1090095")
        #expect(charity.prefix == "GB-CHC")
        #expect(charity.localID == "1090095")
        #expect(charity.registry?.coverage == ["GB"])
        #expect(try OrgIdentifier("RU-INN-7707083893").description == "RU-INN-7707083893")
        #expect(try OrgIdentifier("XM-DAC-41121").registry?.coverage == [])
        #expect(try OrgIdentifier("xm-dac-963-1").description == "XM-DAC-963-1")
        #expect(try OrgIdentifier("CN-11-CR-12345").prefix == "CN-11-CR")
        let unknown = try #require(throws: DomainError.self) { try OrgIdentifier("ZZ-ABC-1") }
        #expect(unknown.message.hasPrefix("invalid identifier 'ZZ-ABC-1' (prefix 'ZZ-ABC' is not in the org-id.guide register"))
        for bad in ["GB-CHC-", "GB-CHC", "1090095", "", "GB-CHC-10 90"] {
            #expect(throws: DomainError.self, "\(bad)") { try OrgIdentifier(bad) }
        }
    }

    @Test func organisationKindsByNameOrIATICode() throws {
        #expect(try OrganisationKind("22") == .nationalNGO)
        #expect(try OrganisationKind("national_ngo") == .nationalNGO)
        #expect(try OrganisationKind("Foundation") == .foundation)
        #expect(try OrganisationKind("local government") == .localGovernment)
        #expect(OrganisationKind.allCases.map(\.rawValue) == [10, 11, 15, 21, 22, 23, 24, 30, 40, 60, 70, 80, 90])
        let wrong = try #require(throws: DomainError.self) { try OrganisationKind("charity") }
        #expect(wrong.message.contains("allowed: government, local_government"))
        #expect(throws: DomainError.self) { try OrganisationKind("99") }
    }
}
