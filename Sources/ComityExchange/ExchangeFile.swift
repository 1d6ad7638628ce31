import CSV
import ComityCore
import Foundation
import HumanReadable

/// The file formats of `comity import` and `comity export`: CSV (read and written with
/// CSV.swift) and JSON (an array of objects keyed by column).
public enum ExchangeFormat: String, CaseIterable, Sendable {
    case csv, json

    /// From a file's extension; CSV when it says nothing.
    public init(path: String) {
        self = path.lowercased().hasSuffix(".json") ? .json : .csv
    }
}

public struct ExchangeFileError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}

public enum ExchangeFile {
    /// The bytes of the file at `path`, or an error that says why not: missing, a
    /// folder, not a regular file (a FIFO would block the read forever), or unreadable.
    public static func contents(_ path: String) throws -> Data {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw ExchangeFileError("cannot read \(path): \(errno == ENOENT ? "no such file" : String(cString: strerror(errno)))")
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw ExchangeFileError("cannot read \(path): it is a folder, not a file")
        default: throw ExchangeFileError("cannot read \(path): it is not a regular file (a pipe or a device)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ExchangeFileError("cannot read \(path): not readable (permission)")
        }
        return data
    }

    /// Bytes that are not UTF-8 stand in a cell as scalars of their own, so that the
    /// row holding them is rejected with its line, field and the byte, while the others
    /// are imported, and so that FILE.rejects.csv gets the very bytes back (a U+FFFD
    /// there could not be told from the text the file meant): the byte 0xNN is
    /// U+10FFNN, the end of the last private use plane, which no text meant for
    /// interchange holds (an invalid byte is always 0x80 or above).
    static let invalidByteBase: UInt32 = 0x10FF00

    /// The byte `scalar` stands for, when it marks one that was not UTF-8.
    static func invalidByte(_ scalar: Unicode.Scalar) -> UInt8? {
        scalar.value >= invalidByteBase + 0x80 && scalar.value <= invalidByteBase + 0xFF ? UInt8(scalar.value - invalidByteBase) : nil
    }

    /// Whether `cell` holds bytes that were not UTF-8 in its file.
    public static func holdsInvalidBytes(_ cell: String) -> Bool {
        cell.unicodeScalars.contains { invalidByte($0) != nil }
    }

    /// The bytes `text` was read from: its UTF-8, with each marked byte as it was.
    public static func originalBytes(_ text: String) -> [UInt8] {
        guard holdsInvalidBytes(text) else { return Array(text.utf8) }
        var bytes: [UInt8] = []
        for scalar in text.unicodeScalars {
            if let byte = invalidByte(scalar) { bytes.append(byte) } else { bytes.append(contentsOf: String(scalar).utf8) }
        }
        return bytes
    }

    /// The length of the UTF-8 sequence at `i`, or nil when the byte there starts none.
    private static func sequenceLength(_ bytes: UnsafeRawBufferPointer, at i: Int) -> Int? {
        let lead = bytes[i]
        func continuation(_ offset: Int, _ range: ClosedRange<UInt8> = 0x80...0xBF) -> Bool {
            i + offset < bytes.count && range.contains(bytes[i + offset])
        }
        switch lead {
        case 0x00...0x7F: return 1
        case 0xC2...0xDF: return continuation(1) ? 2 : nil
        case 0xE0: return continuation(1, 0xA0...0xBF) && continuation(2) ? 3 : nil
        case 0xED: return continuation(1, 0x80...0x9F) && continuation(2) ? 3 : nil
        case 0xE1...0xEF: return continuation(1) && continuation(2) ? 3 : nil
        case 0xF0: return continuation(1, 0x90...0xBF) && continuation(2) && continuation(3) ? 4 : nil
        case 0xF4: return continuation(1, 0x80...0x8F) && continuation(2) && continuation(3) ? 4 : nil
        case 0xF1...0xF3: return continuation(1) && continuation(2) && continuation(3) ? 4 : nil
        default: return nil
        }
    }

    /// The text of `data` with each byte that is not part of a UTF-8 sequence marked
    /// (`invalidByteBase`).
    static func markingInvalidUTF8(_ data: Data) -> Data {
        if String(data: data, encoding: .utf8) != nil { return data }
        return data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> Data in
            var out = Data(capacity: bytes.count + 64)
            var i = 0
            while i < bytes.count {
                if let length = sequenceLength(bytes, at: i) {
                    out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[i..<(i + length)]))
                    i += length
                } else {
                    let marked = Unicode.Scalar(invalidByteBase + UInt32(bytes[i])).map { Array(String($0).utf8) } ?? [0xEF, 0xBF, 0xBD]
                    out.append(contentsOf: marked)
                    i += 1
                }
            }
            return out
        }
    }

    /// The header and rows of a file, each row with the line it starts on. Bytes that
    /// are not UTF-8 are marked in their cells (`invalidByteBase`): the import rejects
    /// those rows, naming line and field, and keeps the others.
    public static func read(_ path: String, format: ExchangeFormat) throws -> (header: [String], rows: [RecordImport.Row]) {
        let data = markingInvalidUTF8(try contents(path))
        switch format {
        case .csv:
            var rows: [RecordImport.Row] = []
            let header = try forEachCSVRow(data, path: path) { _, row in rows.append(row) }
            return (header, rows)
        case .json: return try readJSON(data, path: path)
        }
    }

    /// Each row of CSV `data` (UTF-8) in turn, with the header and the line the row
    /// starts on; blank rows are skipped. Returns the header. The parser reads its input a piece at a time
    /// and stops, with an error, once `stop` returns true (a run's limit was hit).
    public static func forEachCSVRow(_ data: Data, path: String, stop: @escaping () -> Bool = { false },
                                     _ body: (_ header: [String], RecordImport.Row) throws -> Void) throws -> [String] {
        // Spreadsheets often start UTF-8 files with a byte-order mark; the reader skips it.
        var start = String(decoding: data.prefix(1 << 20), as: UTF8.self)
        if start.hasPrefix("\u{FEFF}") { start.removeFirst() }
        // Malformed quoting (a quote that never closes, text after a closing quote, a
        // quote inside an unquoted cell) makes CSV.swift take the rest of the file into
        // one cell, and the rows in it would be lost without a word: refused, naming the
        // line, as PostgreSQL's COPY does. `comity import` and `csv.read` both come here.
        let separator = delimiter(start)
        if let problem = quotingProblem(data, delimiter: UInt8(truncatingIfNeeded: separator.value)) {
            throw ExchangeFileError("\(path):\(problem.line): \(problem.reason)")
        }
        let reader: CSVReader
        do {
            reader = try CSVReader(stream: CheckedInputStream(data, stop: stop), hasHeaderRow: true, delimiter: separator)
        } catch CSVError.cannotReadHeaderRow {
            throw ExchangeFileError("\(path): empty, or no header row naming the columns")
        } catch {
            throw ExchangeFileError("\(path): not CSV: \(error)")
        }
        guard let header = reader.headerRow?.map({ $0.trimmingBlanks() }), !header.isEmpty else {
            throw ExchangeFileError("\(path): empty, or no header row naming the columns")
        }
        var duplicates = Set<String>()
        for column in header where !duplicates.insert(column).inserted {
            throw ExchangeFileError("\(path):1: column '\(column)' appears twice")
        }
        // A row starts on the line after the previous row's last line: count the line
        // breaks inside quoted cells too.
        var line = 1 + header.reduce(0) { $0 + $1.filter { $0 == "\n" }.count } + 1
        while let cells = reader.next() {
            if let error = reader.error { throw ExchangeFileError("\(path):\(line): \(error)") }
            // Blank lines (and rows of empty cells) are not records.
            if !cells.allSatisfy({ $0.trimmingBlanks().isEmpty }) {
                try body(header, RecordImport.Row(line: line, cells: cells))
            }
            line += 1 + cells.reduce(0) { $0 + $1.filter { $0 == "\n" || $0 == "\r\n" }.count }
        }
        if let error = reader.error { throw ExchangeFileError("\(path):\(line): \(error)") }
        return header
    }

    /// The first malformed quoting in CSV `data`, with the line it is on: a quote that
    /// opens a quoted cell and never closes, a character other than the delimiter or a
    /// line break right after a closing quote (`"B"x`), or a quote inside a cell that
    /// does not start with one (`A"B`, ` "B"`). A doubled quote inside a quoted cell is
    /// a quote in its text. Nil when the quoting is well formed (RFC 4180).
    static func quotingProblem(_ data: Data, delimiter: UInt8) -> (line: Int, reason: String)? {
        let quoteByte = UInt8(ascii: "\""), newline = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r")
        // memchr over the bytes: a byte-by-byte loop made reading 55 MB take seconds.
        return data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) -> (line: Int, reason: String)? in
            guard let base = buffer.baseAddress, !buffer.isEmpty else { return nil }
            let bytes = buffer.bindMemory(to: UInt8.self)
            let count = buffer.count
            // A UTF-8 byte-order mark comes before the first cell, which may be quoted.
            let firstCell = count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0
            func line(at offset: Int) -> Int {
                var line = 1
                var cursor = base
                let stop = base + offset
                while cursor < stop, let found = memchr(cursor, Int32(newline), stop - cursor) {
                    line += 1
                    cursor = UnsafeRawPointer(found) + 1
                }
                return line
            }
            func nextQuote(from offset: Int) -> Int? {
                guard offset < count, let found = memchr(base + offset, Int32(quoteByte), count - offset) else { return nil }
                return UnsafeRawPointer(found) - base
            }
            var offset = 0
            while let opening = nextQuote(from: offset) {
                // Outside a quoted cell, a quote may only open one, at the start of a cell.
                if opening != firstCell {
                    let before = bytes[opening - 1]
                    guard before == delimiter || before == newline || before == carriageReturn else {
                        return (line(at: opening), "a quote inside a CSV cell that does not start with one (quote the whole cell and double the quotes in it)")
                    }
                }
                // Inside, a quote closes the cell unless another follows it (a quote in the text).
                var cursor = opening + 1
                while true {
                    guard let quote = nextQuote(from: cursor) else {
                        return (line(at: opening), "unterminated CSV quoted field (the quote that opens it is on this line)")
                    }
                    let after = quote + 1
                    if after < count, bytes[after] == quoteByte { cursor = after + 1; continue }
                    guard after == count || bytes[after] == delimiter || bytes[after] == newline || bytes[after] == carriageReturn else {
                        return (line(at: quote), "text after the closing quote of a CSV quoted field (only the delimiter or a line break may follow it; double a quote meant as text)")
                    }
                    offset = after
                    break
                }
            }
            return nil
        }
    }

    /// `,` unless the header line has more `;` (spreadsheets in many locales) or tabs,
    /// outside quotes.
    static func delimiter(_ text: String) -> UnicodeScalar {
        var counts: [Character: Int] = [",": 0, ";": 0, "\t": 0]
        var quoted = false
        for character in text {
            if character == "\"" { quoted.toggle() }
            if !quoted, character == "\n" || character == "\r\n" { break }
            if !quoted, counts[character] != nil { counts[character, default: 0] += 1 }
        }
        let best = counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key != ",") }
        return best.flatMap { $0.value > 0 ? $0.key.unicodeScalars.first : nil } ?? ","
    }

    /// How deep JSON input may nest, as `json.decode` allows: a file of records needs
    /// three levels (the list, an object, a list in it).
    public static let jsonDepthLimit = 128

    /// The error for JSON nested deeper than `jsonDepthLimit`, with the line and column
    /// of the bracket that goes too deep; nil when it does not. Foundation's parser
    /// says only "The data is not in the correct format" for it.
    static func jsonDepthError(_ data: Data, path: String) -> ExchangeFileError? {
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> ExchangeFileError? in
            var depth = 0, line = 1, column = 1
            var inString = false, escaped = false
            for byte in bytes {
                if inString {
                    if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                } else {
                    switch byte {
                    case UInt8(ascii: "\""): inString = true
                    case UInt8(ascii: "["), UInt8(ascii: "{"):
                        depth += 1
                        if depth > jsonDepthLimit {
                            return ExchangeFileError("\(path):\(line):\(column): JSON nested deeper than \(jsonDepthLimit) levels")
                        }
                    case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
                    default: break
                    }
                }
                if byte == UInt8(ascii: "\n") {
                    line += 1
                    column = 1
                } else if byte & 0xC0 != 0x80 {
                    column += 1
                }
            }
            return nil
        }
    }

    /// Where JSON `data` first breaks the grammar, for an error Foundation's parser
    /// gives without a place: ` (unexpected '"' at line 2, column 12)`; "" when none is found.
    static func jsonErrorPlace(_ data: Data) -> String {
        let bytes = [UInt8](data)
        var at = 0
        func place(_ what: String) -> String {
            let before = bytes[..<min(at, bytes.count)]
            let line = before.reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
            let start = before.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
            let column = bytes[start..<min(at, bytes.count)].filter { $0 & 0xC0 != 0x80 }.count + 1
            return " (\(what) at line \(line), column \(column))"
        }
        func unexpected() -> String {
            guard at < bytes.count else { return place("unexpected end of text") }
            let byte = bytes[at]
            return place(byte >= 0x20 && byte < 0x7F ? "unexpected '\(Character(Unicode.Scalar(byte)))'" : "unexpected byte 0x\(String(byte, radix: 16))")
        }
        func space() { while at < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[at]) { at += 1 } }
        func string() -> Bool {
            at += 1
            while at < bytes.count {
                switch bytes[at] {
                case UInt8(ascii: "\""): at += 1; return true
                case UInt8(ascii: "\\"): at += 2
                case 0..<0x20: return false
                default: at += 1
                }
            }
            return false
        }
        // Containers open on a stack: true for an object. Each loop reads one value.
        var stack: [Bool] = []
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { at = 3 }
        value: while true {
            space()
            guard at < bytes.count else { return unexpected() }
            switch bytes[at] {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let object = bytes[at] == UInt8(ascii: "{")
                at += 1
                space()
                if at < bytes.count, bytes[at] == (object ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    at += 1
                } else {
                    stack.append(object)
                    if object {
                        guard at < bytes.count, bytes[at] == UInt8(ascii: "\""), string() else { return unexpected() }
                        space()
                        guard at < bytes.count, bytes[at] == UInt8(ascii: ":") else { return unexpected() }
                        at += 1
                    }
                    continue value
                }
            case UInt8(ascii: "\""):
                guard string() else { return unexpected() }
            default:
                let literal = bytes[at...].prefix { ![0x20, 0x09, 0x0A, 0x0D, 0x2C, 0x5D, 0x7D].contains($0) }
                let text = String(decoding: literal, as: UTF8.self)
                guard ["true", "false", "null"].contains(text) || Double(text) != nil, !text.isEmpty else { return unexpected() }
                at += literal.count
            }
            // After a value: a comma and the next, or the end of its containers.
            while true {
                space()
                guard let object = stack.last else {
                    return at < bytes.count ? place("text after the value") : ""
                }
                guard at < bytes.count else { return unexpected() }
                if bytes[at] == UInt8(ascii: ",") {
                    at += 1
                    if object {
                        space()
                        guard at < bytes.count, bytes[at] == UInt8(ascii: "\""), string() else { return unexpected() }
                        space()
                        guard at < bytes.count, bytes[at] == UInt8(ascii: ":") else { return unexpected() }
                        at += 1
                    }
                    continue value
                }
                guard bytes[at] == (object ? UInt8(ascii: "}") : UInt8(ascii: "]")) else { return unexpected() }
                at += 1
                stack.removeLast()
            }
        }
    }

    /// Stands in a JSON string for an escaped surrogate without its pair (`"\\ud800"`),
    /// which Foundation's parser refuses for the whole file: the row holding it is
    /// rejected with its field instead. U+10FF01, of the last private use plane.
    static let loneSurrogateMark = Unicode.Scalar(0x10FF01 as UInt32) ?? "\u{FFFD}"

    /// JSON `data` with each escaped lone surrogate replaced by `loneSurrogateMark`'s
    /// escaped pair, `\\udbff\\udf01`.
    static func markingLoneSurrogates(_ data: Data) -> Data {
        let bytes = [UInt8](data)
        func hex(_ at: Int) -> UInt32? {
            guard at + 6 <= bytes.count, bytes[at] == UInt8(ascii: "\\"), bytes[at + 1] == UInt8(ascii: "u") else { return nil }
            return UInt32(String(decoding: bytes[(at + 2)..<(at + 6)], as: UTF8.self), radix: 16)
        }
        guard bytes.contains(UInt8(ascii: "\\")) else { return data }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var inString = false
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            if !inString {
                if byte == UInt8(ascii: "\"") { inString = true }
                out.append(byte)
                i += 1
                continue
            }
            if byte == UInt8(ascii: "\"") {
                inString = false
            } else if byte == UInt8(ascii: "\\") {
                if let unit = hex(i), (0xD800...0xDFFF).contains(unit) {
                    if unit <= 0xDBFF, let low = hex(i + 6), (0xDC00...0xDFFF).contains(low) {
                        out.append(contentsOf: bytes[i..<(i + 12)])
                        i += 12
                    } else {
                        out.append(contentsOf: Array("\\udbff\\udf01".utf8))
                        i += 6
                    }
                    continue
                }
                // Any other escape: both its bytes as they are (`\\"` does not end the string).
                out.append(contentsOf: bytes[i..<min(i + 2, bytes.count)])
                i += 2
                continue
            }
            out.append(byte)
            i += 1
        }
        return Data(out)
    }

    private static func readJSON(_ data: Data, path: String) throws -> ([String], [RecordImport.Row]) {
        if let error = jsonDepthError(data, path: path) { throw error }
        let data = markingLoneSurrogates(data)
        let objects: [[String: JSONCell]]
        do {
            objects = try JSONDecoder().decode([[String: JSONCell]].self, from: data)
        } catch {
            throw ExchangeFileError("\(path): expected a JSON array of objects, one per record, with text, numbers, booleans or lists as values\(jsonErrorPlace(data))")
        }
        var header: [String] = []
        for object in objects {
            for key in object.keys.sorted() where !header.contains(key) { header.append(key) }
        }
        // JSON has no lines worth naming: a row is named by its place (1 for the first).
        let rows = objects.enumerated().map { offset, object in
            var lists: [Int: [String]] = [:]
            var refused: [Int: String] = [:]
            var named = Set<Int>()
            for (index, column) in header.enumerated() {
                guard let cell = object[column] else { continue }
                named.insert(index)
                if let items = cell.items { lists[index] = items }
                if case .refused(let reason) = cell { refused[index] = reason }
            }
            var row = RecordImport.Row(line: offset + 1, cells: header.map { object[$0]?.text ?? "" }, lists: lists)
            row.refused = refused
            row.named = named
            return row
        }
        return (header, rows)
    }

    /// A JSON value as the cell it stands for.
    private enum JSONCell: Decodable {
        case text(String)
        /// An array: its items, each as its text.
        case list([String])
        /// What no field holds (an object, or an array holding one): why.
        case refused(String)

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() { self = .text(""); return }
            if let flag = try? container.decode(Bool.self) { self = .text(flag ? "true" : "false"); return }
            if let integer = try? container.decode(Int64.self) { self = .text(String(integer)); return }
            if let number = try? container.decode(Double.self) { self = .text(String(number)); return }
            if let text = try? container.decode(String.self) { self = .text(text); return }
            if let items = try? container.decode([JSONCell].self) {
                if let refusal = items.first(where: { if case .refused = $0 { true } else { false } }) {
                    self = refusal
                } else {
                    self = .list(items.map(\.text))
                }
                return
            }
            // An object, or a number JSON allows and Foundation does not read: the row's
            // error, not the file's.
            self = .refused("must be text, a number, a boolean or a list, not a JSON object")
        }

        /// The cell's text (a list's items joined as a CSV cell would hold them).
        var text: String {
            switch self {
            case .text(let text): text
            case .list(let items): items.joined(separator: "; ")
            case .refused: ""
            }
        }

        var items: [String]? {
            if case .list(let items) = self { items } else { nil }
        }
    }

    /// Rows as CSV text, written by CSV.swift (quoted where a cell needs it).
    public static func csvText(_ rows: [[String]]) throws -> String {
        let writer = try CSVWriter(stream: .toMemory())
        for row in rows { try writer.write(row: row) }
        writer.stream.close()
        guard let data = writer.stream.property(forKey: .dataWrittenToMemoryStreamKey) as? Data else { return "" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// Every record of `type` (archived too with `includeArchived`) as text in `format`.
    public static func export(_ type: RecordType, store: any Store, timeZone: TimeZone, format: ExchangeFormat,
                              includeArchived: Bool = false) throws -> String {
        let table = RecordTable(type, schema: store.schema, timeZone: timeZone)
        var rows: [[String]] = []
        var lists: [[String: [String]]] = []
        try store.read { transaction in
            var labels: [RecordReference: String] = [:]
            let label: (RecordReference) throws -> String = { reference in
                if let known = labels[reference] { return known }
                // What imports into another database too: the identifier; for an
                // organisation or person without one its name, when no other has it;
                // else its id with its name, `12:Neighbours`, which the import takes
                // only where record 12 has that name (a bare id would name another
                // database's record 12, whatever it is).
                var text = String(reference.id)
                if let record = try transaction.record(reference) {
                    if case .string(let identifier)? = record.fields["identifier"] {
                        text = identifier
                    } else if case .string(let name)? = record.fields["name"] ?? record.fields["title"] {
                        text = "\(reference.id):\(name)"
                        if reference.type == .organisation || reference.type == .person {
                            var named = 0
                            try transaction.forEach(reference.type, RecordQuery(filters: [.init("name", .equal, .string(name))], limit: 2)) { _ in
                                named += 1
                                return true
                            }
                            if named == 1 { text = name }
                        }
                    }
                }
                labels[reference] = text
                return text
            }
            try transaction.forEach(type, RecordQuery(includeArchived: includeArchived)) { record in
                let participants = type == .event ? try transaction.participants(of: record.reference) : []
                rows.append(try table.cells(record, label: label, participants: participants))
                if format == .json { lists.append(try table.listCells(record, label: label, participants: participants)) }
                return true
            }
        }
        switch format {
        case .csv:
            return try csvText([table.columns] + rows)
        case .json:
            // Lists as JSON arrays, their items as they are (one may hold a `;`).
            let objects: [[String: Any]] = zip(rows, lists).map { row, items in
                var object: [String: Any] = [:]
                for (column, cell) in zip(table.columns, row) where !cell.isEmpty {
                    object[column] = column == "id" ? (Int64(cell) as Any) : (items[column].map { $0 as Any } ?? cell)
                }
                return object
            }
            let data = try JSONSerialization.data(withJSONObject: objects, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            return String(decoding: data, as: UTF8.self) + "\n"
        }
    }
}
