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
    }

    @Test func formatIsSecondsWhenWhole() {
        #expect(DurationText.format(.seconds(10)) == "10s")
        #expect(DurationText.format(.milliseconds(1500)) == "1500ms")
    }
}
