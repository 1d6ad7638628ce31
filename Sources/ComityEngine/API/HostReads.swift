import CLuaShim
import Foundation
import HumanReadable
import LuaBridge

/// `files = { max_size = "64MB" }` in comity.lua: how large a file scripts may read
/// from `inbox/` (`csv.read`, `json.read`). A larger one is refused with its size.
public struct FileSettings: Sendable, Equatable {
    public var maxSize = 64 << 20

    public init() {}

    init(_ table: LuaTable, file shown: String) throws(LuaError) {
        for (key, value) in table.hash {
            guard key.stringValue == "max_size" else {
                throw LuaError(.runtime, "\(shown): files has no setting '\(key.stringValue ?? key.typeName)' (settings: max_size)")
            }
            guard let text = value.stringValue ?? value.integerValue.map(String.init), let size = ByteCount.parse(text), size > 0 else {
                throw LuaError(.runtime, "\(shown): files.max_size must be a size such as \"64MB\"")
            }
            maxSize = size
        }
    }
}

/// Reading a file of `inbox/` for a script, within the run's limits: its size is
/// checked against `files.max_size` before a byte is read, its bytes count against the
/// run's memory cap while the host holds them, and the deadline is checked between
/// pieces (a slow disk or a huge file cannot hold the run past it).
enum InboxRead {
    static let piece = 1 << 20

    static func data(_ url: URL, shownAs name: String, for function: String, context: APIContext,
                     work: LuaHostWork) throws -> Data {
        var info = stat()
        guard stat(url.path, &info) == 0 else {
            throw LuaScriptError("\(function): cannot read '\(name)' in inbox/ (no such file)")
        }
        // A FIFO or a device would block or never end.
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw LuaScriptError("\(function): '\(name)' in inbox/ is not a regular file")
        }
        let size = Int(info.st_size)
        guard size <= context.maxFileSize else {
            throw LuaScriptError("\(function): '\(name)' is \(describe(size)), larger than files.max_size (\(describe(context.maxFileSize))) in comity.lua")
        }
        try work.charge(size)
        var charged = size
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw LuaScriptError("\(function): cannot read '\(name)' in inbox/ (permission denied)")
        }
        defer { try? handle.close() }
        var data = Data()
        data.reserveCapacity(size)
        while data.count <= context.maxFileSize {
            try work.check()
            let chunk: Data
            do {
                chunk = try handle.read(upToCount: piece) ?? Data()
            } catch {
                throw LuaScriptError("\(function): cannot read '\(name)' in inbox/ (\(error.localizedDescription))")
            }
            if chunk.isEmpty { return data }
            data.append(chunk)
            if data.count > charged { // it grew since it was measured
                try work.charge(data.count - charged)
                charged = data.count
            }
        }
        // It grew while being read.
        throw LuaScriptError("\(function): '\(name)' is larger than files.max_size (\(describe(context.maxFileSize))) in comity.lua")
    }

    /// `92.0 MB (96468992 bytes)`, `512 bytes`.
    static func describe(_ bytes: Int) -> String {
        if bytes < 1 << 10 { return "\(bytes) bytes" }
        if bytes % (1 << 20) == 0 || bytes % (1 << 10) == 0 && bytes < 1 << 20 { return ByteCount.format(bytes) }
        let (size, unit) = bytes >= 1 << 20 ? (Double(bytes) / Double(1 << 20), "MB") : (Double(bytes) / 1024, "KB")
        return String(format: "%.1f %@ (%d bytes)", size, unit, bytes)
    }
}

/// JSON text of a Lua value, written within the run's limits: the text counts against
/// the memory cap as it grows and the deadline is checked every few hundred values
/// (Foundation's writer took 29 s and 2 GB for fifty references to one 10 MB string).
/// Keys are sorted; `pretty` indents by two spaces.
struct JSONWriter {
    let work: LuaHostWork
    let pretty: Bool
    let userdata: (LuaValue) -> String?
    private(set) var text: [UInt8] = []
    private var values = 0
    private var charged = 0

    init(work: LuaHostWork, pretty: Bool, userdata: @escaping (LuaValue) -> String?) {
        self.work = work
        self.pretty = pretty
        self.userdata = userdata
    }

    mutating func write(_ value: LuaValue, depth: Int = 0) throws {
        values += 1
        if values % 256 == 0 || text.capacity - charged > 1 << 16 {
            try work.charge(text.capacity - charged)
            charged = text.capacity
        }
        guard depth < 64 else { throw LuaScriptError("json.encode: nested deeper than 64 levels") }
        switch value {
        case .nil: append("null")
        case .boolean(let b): append(b ? "true" : "false")
        case .integer(let i): append(String(i))
        case .number(let d):
            guard d.isFinite else { throw LuaScriptError("json.encode: \(d) has no JSON form") }
            // The shortest of 15 or 17 digits that reads back the same, as Foundation wrote it.
            let short = String(format: "%.15g", d)
            append(Double(short) == d ? short : String(format: "%.17g", d))
        case .string(let s): writeString(s.bytes)
        case .table(let table): try writeTable(table, depth: depth)
        case .userdata:
            guard let shown = userdata(value) else { throw LuaScriptError("json.encode: a \(value.typeName) has no JSON form") }
            writeString(Array(shown.utf8))
        default:
            throw LuaScriptError("json.encode: a \(value.typeName) has no JSON form")
        }
    }

    /// Charges what is left; the text is then the caller's.
    mutating func finish() throws {
        try work.charge(text.capacity - charged)
        charged = text.capacity
    }

    private mutating func writeTable(_ table: LuaTable, depth: Int) throws {
        if table.hash.isEmpty {
            guard !table.array.isEmpty else { return append("[]") }
            text.append(UInt8(ascii: "["))
            for (offset, element) in table.array.enumerated() {
                if offset > 0 { text.append(UInt8(ascii: ",")) }
                newline(depth + 1)
                try write(element, depth: depth + 1)
            }
            newline(depth)
            return text.append(UInt8(ascii: "]"))
        }
        var fields: [(key: [UInt8], value: LuaValue)] = []
        fields.reserveCapacity(table.array.count + table.hash.count)
        for (offset, element) in table.array.enumerated() { fields.append((Array(String(offset + 1).utf8), element)) }
        for (key, element) in table.hash {
            guard let name = key.stringValue ?? key.integerValue.map(String.init) else {
                throw LuaScriptError("json.encode: object keys must be strings, got a \(key.typeName)")
            }
            fields.append((Array(name.utf8), element))
        }
        fields.sort { $0.key.lexicographicallyPrecedes($1.key) }
        text.append(UInt8(ascii: "{"))
        for (offset, field) in fields.enumerated() {
            if offset > 0 { text.append(UInt8(ascii: ",")) }
            newline(depth + 1)
            writeString(field.key)
            append(pretty ? " : " : ":")
            try write(field.value, depth: depth + 1)
        }
        newline(depth)
        text.append(UInt8(ascii: "}"))
    }

    private mutating func newline(_ depth: Int) {
        guard pretty else { return }
        text.append(0x0A)
        text.append(contentsOf: repeatElement(UInt8(ascii: " "), count: depth * 2))
    }

    private mutating func append(_ literal: String) { text.append(contentsOf: literal.utf8) }

    private mutating func writeString(_ raw: [UInt8]) {
        // Invalid UTF-8 is written with U+FFFD in its place, as LuaString's text has it.
        let bytes = String(validating: raw, as: UTF8.self) != nil ? raw : Array(String(decoding: raw, as: UTF8.self).utf8)
        let hex = Array("0123456789abcdef".utf8)
        text.append(UInt8(ascii: "\""))
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\""): append("\\\"")
            case UInt8(ascii: "\\"): append("\\\\")
            case 0x0A: append("\\n")
            case 0x0D: append("\\r")
            case 0x09: append("\\t")
            case 0x08: append("\\b")
            case 0x0C: append("\\f")
            case 0..<0x20: text.append(contentsOf: Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 15)]])
            default: text.append(byte)
            }
        }
        text.append(UInt8(ascii: "\""))
    }
}
