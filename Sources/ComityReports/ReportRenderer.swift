import CSV
import Foundation

/// How `comity report` writes a report.
public enum ReportFormat: String, CaseIterable, Sendable {
    case md, csv, json, html

    /// From a file's extension; Markdown when it says nothing.
    public init(path: String) {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "csv": self = .csv
        case "json": self = .json
        case "html", "htm": self = .html
        default: self = .md
        }
    }
}

public enum ReportRenderer {
    public static func render(_ report: ReportDocument, as format: ReportFormat) throws -> String {
        switch format {
        case .md: markdown(report)
        case .csv: try csv(report)
        case .json: try json(report)
        case .html: ReportHTML.page(report)
        }
    }

    /// For a terminal: headings, paragraphs, aligned tables, and charts as rows of bars.
    static func markdown(_ report: ReportDocument) -> String {
        var text = "# \(report.title)\n\n"
        if let subtitle = report.subtitle { text += "\(subtitle)\n\n" }
        for section in report.sections {
            if let heading = section.heading { text += "## \(heading)\n\n" }
            for paragraph in section.text { text += "\(paragraph)\n\n" }
            if let table = section.table {
                let widths = table.columns.indices.map { column in
                    ([table.columns[column]] + table.rows.map { $0[column] }).map { markdownCell($0).count }.max() ?? 0
                }
                func line(_ cells: [String]) -> String {
                    "| " + cells.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: " | ") + " |\n"
                }
                text += line(table.columns.map(markdownCell))
                text += "| " + widths.map { String(repeating: "-", count: max($0, 3)) }.joined(separator: " | ") + " |\n"
                for row in table.rows { text += line(row.map(markdownCell)) }
                text += "\n"
            }
            if let chart = section.chart {
                if let title = chart.title { text += "\(title)\n\n" }
                text += bars(chart)
                text += "\n"
            }
        }
        return text
    }

    /// A cell of a Markdown table: a `|` escaped, a line break as `<br>` (a table row is
    /// one line; a break in a cell ended the table).
    static func markdownCell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\r\n", with: "<br>")
            .replacingOccurrences(of: "\n", with: "<br>").replacingOccurrences(of: "\r", with: "<br>")
    }

    /// Text for a CSV cell, neutralised against formula injection (OWASP "CSV
    /// injection"): text starting with `=`, `+`, `-`, `@`, a tab or a carriage return,
    /// which a spreadsheet would run as a formula, gets a leading `'`. Only text: numbers
    /// and Money amounts (`-5`) are written as they are, to stay numbers.
    static func csvText(_ text: String) -> String {
        guard let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) else { return text }
        return "'" + text
    }

    /// A chart as rows of bars: positive values right of a zero axis, negative values
    /// left of it, each at its length against the largest.
    static func bars(_ chart: ReportDocument.Chart) -> String {
        let values = chart.series.flatMap(\.values)
        let largest = values.map(abs).max() ?? 0
        let labelWidth = chart.labels.map(\.count).max() ?? 0
        let hasNegative = values.contains { $0 < 0 }
        let width = 40
        func length(_ value: Double) -> Int { largest > 0 ? Int((abs(value) / largest * Double(width)).rounded()) : 0 }
        // The left side is as wide as the longest negative bar.
        let left = hasNegative ? values.filter { $0 < 0 }.map(length).max() ?? 0 : 0
        var text = ""
        for series in chart.series {
            if chart.series.count > 1 { text += "\(series.name)\n" }
            for (label, value) in zip(chart.labels, series.values) {
                let bar = String(repeating: "█", count: length(value))
                text += "    " + label.padding(toLength: labelWidth, withPad: " ", startingAt: 0) + " "
                if hasNegative {
                    let negative = value < 0 ? bar : ""
                    text += String(repeating: " ", count: left - negative.count) + negative + "│" + (value < 0 ? "" : bar)
                } else {
                    text += bar
                }
                text += " " + ReportHTML.number(value, unit: chart.unit) + "\n"
            }
        }
        return text
    }

    /// Every table, each after a line naming its section (CSV.swift writes the cells).
    /// Plain values for machines: numbers without grouping, and a column of Money as
    /// two, its amount and then `<column> currency`.
    static func csv(_ report: ReportDocument) throws -> String {
        var rows: [[String]] = []
        for section in report.sections {
            if let table = section.table {
                if !rows.isEmpty { rows.append([]) }
                if let heading = section.heading { rows.append([csvText(heading)]) }
                let money = table.columns.indices.map { column in
                    table.values.contains { row in if case .money = row[column] { true } else { false } }
                }
                rows.append(table.columns.indices.flatMap { money[$0] ? [csvText(table.columns[$0]), csvText(table.columns[$0] + " currency")] : [csvText(table.columns[$0])] })
                for row in table.values {
                    rows.append(row.indices.flatMap { column -> [String] in
                        let cell = row[column]
                        guard money[column] else { return [csvCell(cell)] }
                        if case .money(let amount, let currency) = cell { return [amount, currency] }
                        return [csvCell(cell), ""]
                    })
                }
            } else if let chart = section.chart {
                if !rows.isEmpty { rows.append([]) }
                rows.append([csvText(chart.title ?? section.heading ?? "chart")])
                // The labels' column and a single unnamed series are named, as every column is.
                rows.append(["label"] + chart.series.map { $0.name.isEmpty ? "value" : csvText($0.name) } + (chart.currency == nil ? [] : ["currency"]))
                for (index, label) in chart.labels.enumerated() {
                    rows.append([csvText(label)] + chart.series.map { ReportHTML.plain($0.values[index]) } + (chart.currency.map { [$0] } ?? []))
                }
            }
        }
        // Written with CSV.swift here rather than through ComityExchange, which is
        // import and export over the store, not something a report needs.
        let writer = try CSVWriter(stream: .toMemory())
        for row in rows { try writer.write(row: row) }
        writer.stream.close()
        guard let data = writer.stream.property(forKey: .dataWrittenToMemoryStreamKey) as? Data else { return "" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// A table cell for CSV: text neutralised (`csvText`), other values plain.
    static func csvCell(_ value: ReportDocument.Value) -> String {
        if case .text(let text) = value { return csvText(text) }
        return plainText(value)
    }

    static func plainText(_ value: ReportDocument.Value) -> String {
        switch value {
        case .empty: ""
        case .text(let text): text
        case .integer(let i): String(i)
        case .number(let d): ReportHTML.plain(d)
        case .boolean(let b): b ? "true" : "false"
        case .money(let amount, let currency): "\(amount) \(currency)"
        }
    }

    /// The report as JSON: table rows as lists of plain values (numbers as numbers,
    /// Money as `{"amount": 8450000.00, "currency": "RUB"}`, an empty cell null).
    static func json(_ report: ReportDocument) throws -> String {
        func json(_ value: ReportDocument.Value) -> Any {
            switch value {
            case .empty: return NSNull()
            case .text(let text): return text
            case .integer(let i): return NSNumber(value: i)
            case .number(let d): return NSNumber(value: d)
            case .boolean(let b): return NSNumber(value: b)
            case .money(let amount, let currency):
                let number: Any = Decimal(string: amount).map { NSDecimalNumber(decimal: $0) } ?? amount
                return ["amount": number, "currency": currency]
            }
        }
        var sections: [[String: Any]] = []
        for section in report.sections {
            var object: [String: Any] = ["text": section.text]
            if let heading = section.heading { object["heading"] = heading }
            if let table = section.table {
                object["table"] = ["columns": table.columns, "rows": table.values.map { $0.map(json) }]
            }
            if let chart = section.chart {
                var value: [String: Any] = [
                    "kind": chart.kind.rawValue, "labels": chart.labels,
                    "series": chart.series.map { ["name": $0.name, "values": $0.values] as [String: Any] },
                ]
                if let title = chart.title { value["title"] = title }
                if let unit = chart.unit { value["unit"] = unit }
                if let currency = chart.currency { value["currency"] = currency }
                object["chart"] = value
            }
            sections.append(object)
        }
        var document: [String: Any] = ["title": report.title, "sections": sections]
        if let subtitle = report.subtitle { document["subtitle"] = subtitle }
        let data = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
