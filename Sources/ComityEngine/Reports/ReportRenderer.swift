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
                    ([table.columns[column]] + table.rows.map { $0[column] }).map(\.count).max() ?? 0
                }
                func line(_ cells: [String]) -> String {
                    "| " + cells.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: " | ") + " |\n"
                }
                text += line(table.columns)
                text += "| " + widths.map { String(repeating: "-", count: max($0, 3)) }.joined(separator: " | ") + " |\n"
                for row in table.rows { text += line(row.map { $0.replacingOccurrences(of: "|", with: "\\|") }) }
                text += "\n"
            }
            if let chart = section.chart {
                if let title = chart.title { text += "\(title)\n\n" }
                let largest = chart.series.flatMap(\.values).map(abs).max() ?? 0
                let labelWidth = chart.labels.map(\.count).max() ?? 0
                for series in chart.series {
                    if chart.series.count > 1 { text += "\(series.name)\n" }
                    for (label, value) in zip(chart.labels, series.values) {
                        let length = largest > 0 ? Int((abs(value) / largest * 40).rounded()) : 0
                        text += "    " + label.padding(toLength: labelWidth, withPad: " ", startingAt: 0) + " "
                            + String(repeating: "█", count: length) + " " + ReportHTML.number(value, unit: chart.unit) + "\n"
                    }
                }
                text += "\n"
            }
        }
        return text
    }

    /// Every table, each after a line naming its section (CSV.swift writes the cells).
    static func csv(_ report: ReportDocument) throws -> String {
        var rows: [[String]] = []
        for section in report.sections {
            if let table = section.table {
                if !rows.isEmpty { rows.append([]) }
                if let heading = section.heading { rows.append([heading]) }
                rows.append(table.columns)
                rows += table.rows
            } else if let chart = section.chart {
                if !rows.isEmpty { rows.append([]) }
                rows.append([chart.title ?? section.heading ?? "chart"])
                rows.append([""] + chart.series.map(\.name))
                for (index, label) in chart.labels.enumerated() {
                    rows.append([label] + chart.series.map { ReportHTML.plain($0.values[index]) })
                }
            }
        }
        return try ExchangeFile.csvText(rows)
    }

    static func json(_ report: ReportDocument) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(report), as: UTF8.self) + "\n"
    }
}
