import HumanReadable
import Testing

/// Durations as `--timeout`, `limits.timeout`, `mail.timeout` and `delay` take them.
@Suite struct DurationTextTests {
    @Test func unitsAndPlainSeconds() {
        #expect(DurationText.parse("500ms") == .milliseconds(500))
        #expect(DurationText.parse("10s") == .seconds(10))
        #expect(DurationText.parse("2m") == .seconds(120))
        #expect(DurationText.parse("1h") == .seconds(3600))
        #expect(DurationText.parse("7d") == .seconds(7 * 86_400))
        #expect(DurationText.parse("2w") == .seconds(14 * 86_400))
        #expect(DurationText.parse("1.5") == .milliseconds(1500))
    }

    @Test func whatIsNoDurationIsRefused() {
        #expect(DurationText.parse("0s") == nil)
        #expect(DurationText.parse("-5s") == nil)
        #expect(DurationText.parse("soon") == nil)
        #expect(DurationText.parse("inf") == nil)
        // Rounded to the millisecond it would be a zero limit, which means none.
        #expect(DurationText.parse("0.1ms") == nil)
        #expect(DurationText.parse("0.0001") == nil)
    }

    /// Found crashing every command that read them (the milliseconds overflowed).
    @Test func durationsLongerThanTenYearsAreRefusedAsTooLong() {
        for text in ["1e300s", "99999999999999d", "1e20", "9223372036854775807ms", "3651d", "inf", "1e400w"] {
            #expect(throws: DurationText.Problem.tooLong, "\(text)") { try DurationText.read(text) }
            #expect(DurationText.parse(text) == nil)
        }
        #expect(DurationText.parse("3650d") == DurationText.longest)
        #expect(DurationText.Problem.tooLong.description.contains("3650d"))
        for text in ["0", "0s", "-1d", "nan", "nans", "", "5 years"] {
            #expect(throws: DurationText.Problem.notADuration, "\(text)") { try DurationText.read(text) }
        }
    }

    @Test func formatIsSecondsWhenWhole() {
        #expect(DurationText.format(.seconds(10)) == "10s")
        #expect(DurationText.format(.milliseconds(1500)) == "1500ms")
    }
}
