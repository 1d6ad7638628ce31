import ComityCore
import Foundation
import Testing

/// A time written as ISO 8601 by hand says what Foundation's ISO8601DateFormatter says,
/// for any second of the years 1 to 9999 and any zone.
@Suite struct TimestampFormattingTests {
    static func foundation(_ time: Timestamp, _ zone: TimeZone) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = zone
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(time.secondsSince1970)))
    }

    @Test func everyFormattedTimeIsFoundationsToo() {
        let zones = ["UTC", "Europe/Moscow", "Asia/Kolkata", "America/St_Johns", "Pacific/Chatham", "America/New_York", "Africa/Nairobi"]
            .compactMap(TimeZone.init(identifier:))
        var generator = SystemRandomNumberGenerator()
        // The edges, leap days and a spread of seconds from 1900 to 2200.
        var seconds: [Int64] = [0, -1, 86_399, 86_400, 951_782_400, 951_868_799, 4_107_542_400, -2_208_988_800, 1_709_164_800, 1_709_251_199]
        seconds += (0..<3_000).map { _ in Int64.random(in: -2_208_988_800...7_258_118_400, using: &generator) }
        for value in seconds {
            let time = Timestamp(secondsSince1970: value)
            #expect(time.description == Self.foundation(time, .gmt), "\(value)")
            for zone in zones {
                #expect(time.formatted(in: zone) == Self.foundation(time, zone), "\(value) in \(zone.identifier)")
            }
        }
    }

    @Test func theFirstAndLastYearsAreWrittenWithFourDigits() {
        #expect(Timestamp(secondsSince1970: -62_135_596_800).description == "0001-01-01T00:00:00Z")
        #expect(Timestamp(secondsSince1970: 253_402_300_799).description == "9999-12-31T23:59:59Z")
    }
}
