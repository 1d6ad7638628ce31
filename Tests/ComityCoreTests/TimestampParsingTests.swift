import ComityCore
import Foundation
import Testing

/// ISO 8601 as `--now`, `time.parse` and schedules give it, matched by hand: each
/// accepted form, and what is refused.
@Suite struct TimestampParsingTests {
    let moscow = TimeZone(identifier: "Europe/Moscow") ?? .gmt

    @Test func theAcceptedFormsReadAsTheSameInstant() throws {
        let utc = try Timestamp(parsing: "2021-01-26T08:00:00Z")
        for text in ["2021-01-26T11:00:00+03:00", "2021-01-26T11:00:00+0300", "2021-01-26T03:00-05:00", "2021-01-26 08:00",
                     "2021-01-26T08:00", " 2021-01-26T08:00:00Z ", "2021-01-26T08:00:00Z\n"] {
            #expect(try Timestamp(parsing: text) == utc, "\(text)")
        }
        #expect(try Timestamp(parsing: "2021-01-26T11:00", in: moscow) == utc)
        #expect(try Timestamp(parsing: "2021-01-26", in: moscow).secondsSince1970 == utc.secondsSince1970 - 11 * 3600)
    }

    @Test func otherTextIsRefusedNamingTheField() {
        for text in ["2021-1-26", "2021-01-26T8:00", "2021-01-26T08", "2021-01-26T08:00:", "2021-01-26T08:00:00+03",
                     "2021-01-26T08:00:00+03:", "2021-01-26X", "2021-02-30", "2021-13-01", "2021-01-26T24:00", "", "٢٠٢١-01-26",
                     "2021-01-26T08:00:00Zjunk", "2021-01-26T08:00:00+25:00"] {
            #expect(throws: DomainError.self, "\(text)") { try Timestamp(parsing: text, field: "--now") }
        }
        do {
            _ = try Timestamp(parsing: "soon", field: "--now")
        } catch {
            #expect(error.message.hasPrefix("invalid --now 'soon' (expected ISO 8601"), "\(error.message)")
        }
    }
}
