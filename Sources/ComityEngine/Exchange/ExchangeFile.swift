import CSV
import ComityCore
import Foundation

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

    /// The header and rows of a file, each row with the line it starts on.
    public static func read(_ path: String, format: ExchangeFormat) throws -> (header: [String], rows: [RecordImport.Row]) {
        let data = try contents(path)
        guard String(data: data, encoding: .utf8) != nil else {
            let place = TextValidity.invalidPlace(in: Array(data)).map { ": invalid byte sequence for UTF-8 at \($0)" } ?? ""
            throw ExchangeFileError("\(path) is not UTF-8 text\(place) (save it as UTF-8 CSV)")
        }
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
    static func forEachCSVRow(_ data: Data, path: String, stop: @escaping () -> Bool = { false },
                              _ body: (_ header: [String], RecordImport.Row) throws -> Void) throws -> [String] {
        // Spreadsheets often start UTF-8 files with a byte-order mark; the reader skips it.
        var start = String(decoding: data.prefix(1 << 20), as: UTF8.self)
        if start.hasPrefix("\u{FEFF}") { start.removeFirst() }
        // A quote that never closes would take the rest of the file into one cell, and
        // the rows in it would be lost without a word: refused, as PostgreSQL's COPY does.
        if let line = unterminatedQuoteLine(data) {
            throw ExchangeFileError("\(path):\(line): unterminated CSV quoted field (the quote that opens it is on this line)")
        }
        let reader: CSVReader
        do {
            reader = try CSVReader(stream: CheckedInputStream(data, stop: stop), hasHeaderRow: true, delimiter: delimiter(start))
        } catch CSVError.cannotReadHeaderRow {
            throw ExchangeFileError("\(path): empty, or no header row naming the columns")
        } catch {
            throw ExchangeFileError("\(path): not CSV: \(error)")
        }
        guard let header = reader.headerRow?.map({ $0.trimmingCharacters(in: .whitespaces) }), !header.isEmpty else {
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
            if !cells.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
                try body(header, RecordImport.Row(line: line, cells: cells))
            }
            line += 1 + cells.reduce(0) { $0 + $1.filter { $0 == "\n" || $0 == "\r\n" }.count }
        }
        if let error = reader.error { throw ExchangeFileError("\(path):\(line): \(error)") }
        return header
    }

    /// The line of a quote that opens a quoted field and is never closed, if any. A
    /// doubled quote inside a quoted field toggles twice, so only an odd one is left open.
    static func unterminatedQuoteLine(_ data: Data) -> Int? {
        // memchr over the bytes: a byte-by-byte loop made reading 55 MB take seconds.
        data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) -> Int? in
            guard let base = buffer.baseAddress, !buffer.isEmpty else { return nil }
            let end = base + buffer.count
            var cursor = base
            var quoted = false
            var opened = base
            while cursor < end, let found = memchr(cursor, Int32(UInt8(ascii: "\"")), end - cursor) {
                let quote = UnsafeRawPointer(found)
                quoted.toggle()
                if quoted { opened = quote }
                cursor = quote + 1
            }
            guard quoted else { return nil }
            var line = 1
            cursor = base
            while cursor < opened, let found = memchr(cursor, Int32(UInt8(ascii: "\n")), opened - cursor) {
                line += 1
                cursor = UnsafeRawPointer(found) + 1
            }
            return line
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

    private static func readJSON(_ data: Data, path: String) throws -> ([String], [RecordImport.Row]) {
        let objects: [[String: JSONCell]]
        do {
            objects = try JSONDecoder().decode([[String: JSONCell]].self, from: data)
        } catch {
            throw ExchangeFileError("\(path): expected a JSON array of objects, one per record, with text, numbers, booleans or lists as values")
        }
        var header: [String] = []
        for object in objects {
            for key in object.keys.sorted() where !header.contains(key) { header.append(key) }
        }
        // JSON has no lines worth naming: a row is named by its place (1 for the first).
        let rows = objects.enumerated().map { offset, object in
            RecordImport.Row(line: offset + 1, cells: header.map { object[$0]?.text ?? "" })
        }
        return (header, rows)
    }

    /// A JSON value as the cell it stands for.
    private enum JSONCell: Decodable {
        case text(String)

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() { self = .text(""); return }
            if let flag = try? container.decode(Bool.self) { self = .text(flag ? "true" : "false"); return }
            if let integer = try? container.decode(Int64.self) { self = .text(String(integer)); return }
            if let number = try? container.decode(Double.self) { self = .text(String(number)); return }
            if let text = try? container.decode(String.self) { self = .text(text); return }
            let list = try container.decode([JSONCell].self)
            self = .text(list.map(\.text).joined(separator: "; "))
        }

        var text: String {
            switch self { case .text(let text): text }
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
        try store.read { transaction in
            var labels: [RecordReference: String] = [:]
            let label: (RecordReference) throws -> String = { reference in
                if let known = labels[reference] { return known }
                // What imports into another database too: the identifier; for an
                // organisation without one its name; else the id.
                var text = String(reference.id)
                if let record = try transaction.record(reference) {
                    if case .string(let identifier)? = record.fields["identifier"] {
                        text = identifier
                    } else if reference.type == .organisation, case .string(let name)? = record.fields["name"] {
                        text = name
                    }
                }
                labels[reference] = text
                return text
            }
            try transaction.forEach(type, RecordQuery(includeArchived: includeArchived)) { record in
                rows.append(try table.cells(record, label: label))
                return true
            }
        }
        switch format {
        case .csv:
            return try csvText([table.columns] + rows)
        case .json:
            let objects: [[String: Any]] = rows.map { row in
                var object: [String: Any] = [:]
                for (column, cell) in zip(table.columns, row) where !cell.isEmpty {
                    object[column] = column == "id" ? (Int64(cell) as Any) : cell
                }
                return object
            }
            let data = try JSONSerialization.data(withJSONObject: objects, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            return String(decoding: data, as: UTF8.self) + "\n"
        }
    }
}
