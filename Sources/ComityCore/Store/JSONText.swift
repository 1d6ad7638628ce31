/// JSON text for strings, written directly as bytes: the audit entry of every create
/// (and a store's lists of strings) goes through here, and JSONSerialization cost a third of a create.
public enum JSONText {
    /// A record's values as the audit shows them, each as its text, in the order of
    /// the schema's fields (cheaper than sorting names, and as stable): `ordered` is
    /// sorted by position already.
    public static func object(_ ordered: [RecordSchema.Entry]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32 * ordered.count + 2)
        bytes.append(UInt8(ascii: "{"))
        for (offset, entry) in ordered.enumerated() {
            if offset > 0 { bytes.append(UInt8(ascii: ",")) }
            appendQuoted(entry.name, to: &bytes)
            bytes.append(UInt8(ascii: ":"))
            if case .string(let s) = entry.value { appendQuoted(s, to: &bytes) } else { appendQuoted(entry.value.description, to: &bytes) }
        }
        bytes.append(UInt8(ascii: "}"))
        return String(decoding: bytes, as: UTF8.self)
    }

    public static func array(_ values: [String]) -> String {
        var bytes: [UInt8] = [UInt8(ascii: "[")]
        for (offset, value) in values.enumerated() {
            if offset > 0 { bytes.append(UInt8(ascii: ",")) }
            appendQuoted(value, to: &bytes)
        }
        bytes.append(UInt8(ascii: "]"))
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }

    private static func appendQuoted(_ string: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        // Most text has nothing to escape: it is copied whole.
        let copied = string.utf8.withContiguousStorageIfAvailable { text in
            guard !text.contains(where: needsEscape) else { return false }
            bytes.append(contentsOf: text)
            return true
        } ?? false
        if !copied {
            for byte in string.utf8 {
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                    bytes.append(UInt8(ascii: "\\"))
                    bytes.append(byte)
                case UInt8(ascii: "\n"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
                case UInt8(ascii: "\r"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
                case UInt8(ascii: "\t"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
                case 0..<0x20:
                    let hex = Array("0123456789abcdef".utf8)
                    bytes += [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
                default: bytes.append(byte)
                }
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
