import HumanReadable
import Testing

/// Sizes as `--max-memory`, `limits.memory` and `files.max_read` take them.
@Suite struct ByteCountTests {
    @Test func unitsArePowersOfTwo() {
        #expect(ByteCount.parse("64MB") == 64 << 20)
        #expect(ByteCount.parse(" 512 kb ") == 512 << 10)
        #expect(ByteCount.parse("1G") == 1 << 30)
        #expect(ByteCount.parse("100") == 100)
        #expect(ByteCount.parse("7B") == 7)
    }

    @Test func whatIsNoSizeIsRefused() {
        #expect(ByteCount.parse("-1MB") == nil)
        #expect(ByteCount.parse("ten") == nil)
        #expect(ByteCount.parse("5TB") == nil)
        #expect(ByteCount.parse("\(Int.max)GB") == nil)
    }

    @Test func formatUsesTheLargestExactUnit() {
        #expect(ByteCount.format(64 << 20) == "64 MB")
        #expect(ByteCount.format(1536) == "1536 bytes")
        #expect(ByteCount.format(2 << 30) == "2 GB")
        #expect(ByteCount.format(100) == "100 bytes")
        #expect(ByteCount.parse(ByteCount.format(512 << 10).replacingOccurrences(of: " ", with: "")) == 512 << 10)
    }
}
