/// A listing for people: a header line, then a row per item, columns padded to line up.
enum TextTable {
    /// The lines, each ending with a newline. `style` colours a cell after it is padded
    /// (so escape codes do not count towards the width); the last column is not padded.
    static func text(header: [String], rows: [[String]], style: (_ column: Int, _ cell: String) -> String = { $1 }) -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (column, cell) in row.enumerated() where column < widths.count { widths[column] = max(widths[column], cell.count) }
        }
        func line(_ cells: [String], styled: Bool) -> String {
            let joined = cells.enumerated().map { column, cell in
                // Padded by characters (Foundation's padding counts UTF-16 units, and cuts).
                let padded = column == cells.count - 1 ? cell : cell + String(repeating: " ", count: max(0, widths[column] - cell.count))
                return styled ? style(column, padded) : padded
            }.joined(separator: "  ")
            // An empty last cell leaves no trailing spaces.
            var line = joined
            while line.hasSuffix(" ") { line.removeLast() }
            return line + "\n"
        }
        return line(header, styled: false) + rows.map { line($0, styled: true) }.joined()
    }
}
