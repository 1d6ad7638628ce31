/// Bytes in lower-case hexadecimal, two digits a byte: a script's content hash, a
/// token's hash, a request's digest. By table, not `String(format: "%02x")`, which on
/// Linux goes through NSString and a dynamic cast a byte (four protocol-conformance
/// lookups each: 1.5 M of a trivial run's instructions went to hashing its script).
public enum HexText {
    private static let digits = Array("0123456789abcdef".utf8)

    public static func lowercase<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var hex: [UInt8] = []
        hex.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: hex, as: UTF8.self)
    }
}
