import Foundation

/// A JSON text's objects that give one key twice. JSON parsers disagree about such a
/// text (Foundation keeps one value, most others the last), so a request that a proxy
/// or a validator in front reads one way must not be stored another way: the API
/// refuses it.
public enum JSONDuplicateKeys {
    /// The first key given twice in one object of `data`, which must be valid JSON;
    /// nil when every object's keys are distinct. Keys compare as their text, escapes
    /// undone (`"a"` and `"\u0061"` are one key).
    public static func first(in data: [UInt8]) -> String? {
        // Per open object its keys so far and whether a key comes next; nil for an array.
        var frames: [(keys: Set<String>, keyNext: Bool)?] = []
        var index = 0
        while index < data.count {
            let byte = data[index]
            switch byte {
            case UInt8(ascii: "{"): frames.append((keys: [], keyNext: true))
            case UInt8(ascii: "["): frames.append(nil)
            case UInt8(ascii: "}"), UInt8(ascii: "]"): _ = frames.popLast()
            case UInt8(ascii: ","):
                if var frame = frames.last ?? nil {
                    frame.keyNext = true
                    frames[frames.count - 1] = frame
                }
            case UInt8(ascii: "\""):
                var end = index + 1
                var escaped = false
                while end < data.count, data[end] != UInt8(ascii: "\"") {
                    if data[end] == UInt8(ascii: "\\") {
                        escaped = true
                        end += 1
                    }
                    end += 1
                }
                if var frame = frames.last ?? nil, frame.keyNext {
                    let raw = Array(data[index...min(end, data.count - 1)])
                    let key = escaped ? unescaped(raw) : String(decoding: raw.dropFirst().dropLast(), as: UTF8.self)
                    guard frame.keys.insert(key).inserted else { return key }
                    frame.keyNext = false
                    frames[frames.count - 1] = frame
                }
                index = end
            default: break
            }
            index += 1
        }
        return nil
    }

    /// A quoted JSON string's text, its escapes undone.
    private static func unescaped(_ quoted: [UInt8]) -> String {
        (try? JSONTree.decode(Data(quoted))).flatMap { tree -> String? in
            if case .string(let text) = tree { return text }
            return nil
        } ?? String(decoding: quoted, as: UTF8.self)
    }
}
