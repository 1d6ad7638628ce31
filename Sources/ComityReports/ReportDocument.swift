import ComityCore
import Foundation
import LuaBridge

/// What a report script returns: `report { title = ..., sections = { ... } }`, read
/// into Swift to be rendered as Markdown, CSV, JSON or one HTML file.
public struct ReportDocument: Sendable, Equatable, Codable {
    public var title: String
    public var subtitle: String?
    public var sections: [Section]

    public struct Section: Sendable, Equatable, Codable {
        public var heading: String?
        public var text: [String]
        public var table: Table?
        public var chart: Chart?
    }

    public struct Table: Sendable, Equatable, Codable {
        public var columns: [String]
        /// The cells as people read them: `8,450,000.00 RUB`, `yes`.
        public var rows: [[String]]
        /// The same cells as plain values, for CSV and JSON: numbers as numbers, Money
        /// as its amount and currency apart.
        public var values: [[Value]]
    }

    /// A cell's plain value.
    public enum Value: Sendable, Equatable, Codable {
        case empty
        case text(String)
        case integer(Int64)
        case number(Double)
        case boolean(Bool)
        /// `amount` as Money writes it without grouping: `8450000.00`.
        case money(amount: String, currency: String)
    }

    public struct Chart: Sendable, Equatable, Codable {
        public enum Kind: String, Sendable, Codable { case bar, line }
        public var kind: Kind
        public var title: String?
        public var labels: [String]
        public var series: [Series]
        /// How values are shown: `RUB` after amounts, `%` after shares; a chart of
        /// Money is in its currency.
        public var unit: String?
        /// The currency of a chart of Money (one chart, one currency).
        public var currency: String?
    }

    public struct Series: Sendable, Equatable, Codable {
        public var name: String
        public var values: [Double]
    }

    /// A field of `report { ... }` or of one of its parts as a script writes it: its
    /// name, its type in the LuaLS spelling (`string?`, `ReportSection[]`) and what it
    /// means. The reader below takes these names; the API registry documents them.
    public struct LuaField: Sendable {
        public let name: String
        public let type: String
        public let summary: String
        init(_ name: String, _ type: String, _ summary: String) {
            self.name = name
            self.type = type
            self.summary = summary
        }
    }

    /// The parts of `report { ... }`, each with its fields, by the names the registry
    /// gives them as types: `Report`, `ReportSection`, `ReportTable`, `ReportChart`,
    /// `ReportSeries`.
    public static let luaShape: [(type: String, summary: String, fields: [LuaField])] = [
        ("Report", "What `report { ... }` declares; a report script (or a workflow's `run`) returns it for `comity report`.", [
            LuaField("title", "string", "The report's title."),
            LuaField("subtitle", "string?", "A line under the title."),
            LuaField("sections", "ReportSection[]", "The sections, in order."),
        ]),
        ("ReportSection", "One section of a report: a heading, paragraphs, a table and a chart, each optional.", [
            LuaField("heading", "string?", "The section's heading."),
            LuaField("text", "string|string[]?", "A paragraph, or a list of them."),
            LuaField("table", "ReportTable?", "A table of cells."),
            LuaField("chart", "ReportChart?", "A bar or line chart."),
        ]),
        ("ReportTable", "A section's table. Cells may be text, numbers, Money, Time or records.", [
            LuaField("columns", "string[]", "The column titles."),
            LuaField("rows", "table[]?", "The rows, each a list of cells (no more than the columns)."),
        ]),
        ("ReportChart", "A section's chart: one series (`values`) or several (`series`), in one currency when of Money.", [
            LuaField("kind", "string?", "`bar` (default) or `line`."),
            LuaField("title", "string?", "The chart's title (and its one series' name)."),
            LuaField("labels", "string[]", "A label for each value."),
            LuaField("values", "table?", "One series: numbers or Money, one per label."),
            LuaField("series", "ReportSeries[]?", "Several series."),
            LuaField("unit", "string?", "Shown after values: `%`, or the currency of Money values."),
        ]),
        ("ReportSeries", "One series of a chart.", [
            LuaField("name", "string", "The series' name, in the legend."),
            LuaField("values", "table", "Numbers or Money, one per label."),
        ]),
    ]

    /// The names of the fields of the part `type` (`Report`, `ReportSection`).
    static func fieldNames(of type: String) -> [String] {
        luaShape.first { $0.type == type }?.fields.map(\.name) ?? []
    }

    /// The fields `report { ... }` takes at its top.
    public static let documentFields = fieldNames(of: "Report")

    /// `report: no field 'titel' (fields: title, subtitle, sections)`: said by a run and by `comity check`.
    public static func unknownField(_ field: String) -> String {
        "report: no field '\(field)' (fields: \(documentFields.joined(separator: ", ")))"
    }
    static let sectionFields = fieldNames(of: "ReportSection")

    /// A chart value: a number, or Money's amount with its currency.
    public struct ChartNumber {
        public var value: Double
        public var currency: String?

        public init(value: Double, currency: String? = nil) {
            self.value = value
            self.currency = currency
        }
    }

    /// Reads the table `report{}` checked. `text` turns a cell (Money, Time, numbers)
    /// into its text; `plain` into its plain value; `number` a chart value (Money as
    /// its amount) into a number.
    public init(_ table: LuaTable, text: (LuaValue) -> String?, plain: (LuaValue) -> Value, number: (LuaValue) -> ChartNumber?) throws(LuaError) {
        func fail(_ message: String) -> LuaError { LuaError(.runtime, "report: \(message)") }
        for key in table.hash.keys where !Self.documentFields.contains(key.stringValue ?? "") {
            throw LuaError(.runtime, Self.unknownField(key.stringValue ?? key.typeName))
        }
        guard let title = table["title"].stringValue, !title.isEmpty else { throw fail("'title' must be text") }
        self.title = title
        subtitle = table["subtitle"].stringValue
        var sections: [Section] = []
        if case .table(let list) = table["sections"] {
            for (index, entry) in list.array.enumerated() {
                guard case .table(let section) = entry else { throw fail("section \(index + 1) must be a table") }
                sections.append(try Self.section(section, number: index + 1, text: text, plain: plain, value: number))
            }
        } else if table["sections"] != .nil {
            throw fail("'sections' must be a list of sections")
        }
        self.sections = sections
    }

    private static func section(_ table: LuaTable, number: Int, text: (LuaValue) -> String?, plain: (LuaValue) -> Value,
                                value: (LuaValue) -> ChartNumber?) throws(LuaError) -> Section
    {
        func fail(_ message: String) -> LuaError { LuaError(.runtime, "report: section \(number): \(message)") }
        for key in table.hash.keys where !sectionFields.contains(key.stringValue ?? "") {
            throw fail("no field '\(key.stringValue ?? key.typeName)' (fields: \(sectionFields.joined(separator: ", ")))")
        }
        var section = Section(heading: table["heading"].stringValue, text: [], table: nil, chart: nil)
        switch table["text"] {
        case .nil: break
        case .string(let s): section.text = [s.description]
        case .table(let list): section.text = list.array.compactMap(\.stringValue)
        default: throw fail("'text' must be text or a list of paragraphs")
        }
        if case .table(let grid) = table["table"] {
            guard case .table(let columns) = grid["columns"] else { throw fail("a table needs 'columns', a list of titles") }
            let titles = columns.array.map { text($0) ?? "" }
            var rows: [[String]] = []
            var values: [[Value]] = []
            if case .table(let list) = grid["rows"] {
                for (index, row) in list.array.enumerated() {
                    guard case .table(let cells) = row else { throw fail("table row \(index + 1) must be a list of cells") }
                    if cells.array.count > titles.count {
                        throw fail("table row \(index + 1) has \(cells.array.count) cells for \(titles.count) columns")
                    }
                    // inf and nan have no place in JSON (it wrote "inf" as text) nor a table.
                    for (column, cell) in cells.array.enumerated() {
                        if case .number(let d) = cell, !d.isFinite {
                            throw fail("table row \(index + 1), column '\(titles[column])': \(d) is not a finite number")
                        }
                    }
                    rows.append(titles.indices.map { $0 < cells.array.count ? text(cells.array[$0]) ?? "" : "" })
                    values.append(titles.indices.map { $0 < cells.array.count ? plain(cells.array[$0]) : .empty })
                }
            }
            section.table = Table(columns: titles, rows: rows, values: values)
        } else if table["table"] != .nil {
            throw fail("'table' must be { columns = {...}, rows = {{...}} }")
        }
        if case .table(let chart) = table["chart"] {
            let kindName = chart["kind"].stringValue ?? "bar"
            guard let kind = Chart.Kind(rawValue: kindName) else { throw fail("chart kind '\(kindName)' is not bar or line") }
            guard case .table(let labels) = chart["labels"] else { throw fail("a chart needs 'labels'") }
            var series: [Series] = []
            var currencies: [String?] = []
            if case .table(let values) = chart["values"] {
                series = [Series(name: chart["title"].stringValue ?? "", values: try numbers(values, value, fail, &currencies))]
            } else if case .table(let list) = chart["series"] {
                for entry in list.array {
                    guard case .table(let one) = entry, case .table(let values) = one["values"] else {
                        throw fail("each chart series is { name = ..., values = {...} }")
                    }
                    series.append(Series(name: one["name"].stringValue ?? "", values: try numbers(values, value, fail, &currencies)))
                }
            } else {
                throw fail("a chart needs 'values' (one series) or 'series'")
            }
            let labelTexts = labels.array.map { text($0) ?? "" }
            for one in series where one.values.count != labelTexts.count {
                throw fail("a chart has \(labelTexts.count) labels but \(one.values.count) values")
            }
            // Bars of roubles beside bars of euros would compare what cannot be compared.
            let distinct = Set(currencies.map { $0 ?? "" })
            if distinct.count > 1 {
                let named = distinct.sorted().map { $0.isEmpty ? "plain numbers" : $0 }.joined(separator: ", ")
                throw fail("a chart's values must be in one currency, but these mix \(named): chart each currency apart")
            }
            let currency = currencies.first ?? nil
            if let currency, let unit = chart["unit"].stringValue, unit != currency {
                throw fail("the chart's unit '\(unit)' is not the currency of its Money values (\(currency))")
            }
            section.chart = Chart(kind: kind, title: chart["title"].stringValue, labels: labelTexts, series: series,
                                  unit: chart["unit"].stringValue ?? currency, currency: currency)
        } else if table["chart"] != .nil {
            throw fail("'chart' must be { kind = \"bar\", labels = {...}, values = {...} }")
        }
        return section
    }

    private static func numbers(_ list: LuaTable, _ value: (LuaValue) -> ChartNumber?, _ fail: (String) -> LuaError,
                                _ currencies: inout [String?]) throws(LuaError) -> [Double] {
        var result: [Double] = []
        for element in list.array {
            guard let number = value(element) else { throw fail("chart values must be numbers or Money") }
            guard number.value.isFinite else { throw fail("chart value \(number.value) is not a finite number") }
            result.append(number.value)
            currencies.append(number.currency)
        }
        return result
    }
}
