import Foundation

/// One self-contained HTML file: inline CSS, charts as inline SVG, no JavaScript;
/// readable offline and printable.
public enum ReportHTML {
    static func page(_ report: ReportDocument) -> String {
        var body = "<h1>\(escape(report.title))</h1>\n"
        if let subtitle = report.subtitle { body += "<p class=\"subtitle\">\(escape(subtitle))</p>\n" }
        for section in report.sections {
            body += "<section>\n"
            if let heading = section.heading { body += "<h2>\(escape(heading))</h2>\n" }
            for paragraph in section.text { body += "<p>\(escape(paragraph))</p>\n" }
            if let table = section.table { body += self.table(table) }
            if let chart = section.chart { body += "<figure>\n" + svg(chart) + (chart.title.map { "<figcaption>\(escape($0))</figcaption>\n" } ?? "") + "</figure>\n" }
            body += "</section>\n"
        }
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(report.title))</title>
            <style>
            body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2330; max-width: 56rem; margin: 2rem auto; padding: 0 1rem; }
            h1 { font-size: 1.7rem; margin-bottom: .2rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #d8dce4; padding-bottom: .2rem; }
            .subtitle { color: #586174; margin-top: 0; }
            table { border-collapse: collapse; width: 100%; margin: 1rem 0; font-variant-numeric: tabular-nums; }
            th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid #e4e7ee; vertical-align: top; }
            th { background: #f3f5f9; font-weight: 600; }
            td.number, th.number { text-align: right; }
            figure { margin: 1rem 0; } figcaption { color: #586174; font-size: .9rem; }
            svg { max-width: 100%; height: auto; } svg text { font: 12px system-ui, sans-serif; fill: #1d2330; }
            @media print { body { margin: 0; max-width: none; } section { break-inside: avoid; } th { background: none; } }
            </style>
            </head>
            <body>
            \(body)</body>
            </html>

            """
    }

    private static func table(_ table: ReportDocument.Table) -> String {
        // A column whose cells all read as numbers or amounts is right-aligned.
        let numeric = table.columns.indices.map { column in
            !table.rows.isEmpty && table.rows.allSatisfy { row in
                let cell = row[column].replacingOccurrences(of: ",", with: "")
                return cell.isEmpty || Double(cell.split(separator: " ").first.map(String.init) ?? "")?.isFinite == true
                    || cell.hasSuffix("%") && Double(cell.dropLast()) != nil
            }
        }
        var html = "<table>\n<thead><tr>"
        for (index, column) in table.columns.enumerated() {
            html += numeric[index] ? "<th class=\"number\">\(escape(column))</th>" : "<th>\(escape(column))</th>"
        }
        html += "</tr></thead>\n<tbody>\n"
        for row in table.rows {
            html += "<tr>" + row.enumerated().map { index, cell in
                numeric[index] ? "<td class=\"number\">\(escape(cell))</td>" : "<td>\(escape(cell))</td>"
            }.joined() + "</tr>\n"
        }
        return html + "</tbody>\n</table>\n"
    }

    static let palette = ["#3b6fb6", "#e07b39", "#4c9a6a", "#b64b6e", "#7a62b8", "#8c8c3a"]

    static func svg(_ chart: ReportDocument.Chart) -> String {
        chart.kind == .bar ? bars(chart) : line(chart)
    }

    /// Horizontal bars, one group per label; labels left, values beside the bars. With
    /// negative values, a zero axis: they go left of it, the others right.
    private static func bars(_ chart: ReportDocument.Chart) -> String {
        let labelWidth = 190.0, barArea = 360.0, valueWidth = 170.0
        let bar = 18.0, gap = 10.0
        let perGroup = Double(chart.series.count) * bar + gap
        let height = Double(chart.labels.count) * perGroup + gap + (chart.series.count > 1 ? 22 : 0)
        let values = chart.series.flatMap(\.values)
        let mostNegative = max(-(values.min() ?? 0), 0), mostPositive = max(values.max() ?? 0, 0)
        let span = max(mostNegative + mostPositive, .leastNonzeroMagnitude)
        // Room left of the axis for the longest negative bar and its value.
        let negativeValues = mostNegative > 0 ? valueWidth * 0.6 : 0
        let axis = labelWidth + negativeValues + barArea * mostNegative / span
        let width = labelWidth + negativeValues + barArea + valueWidth
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"\(escape(chart.title ?? "chart"))\">\n"
        for (index, label) in chart.labels.enumerated() {
            let top = gap + Double(index) * perGroup
            svg += "<text x=\"\(labelWidth - 8)\" y=\(quoted(top + Double(chart.series.count) * bar / 2 + 4)) text-anchor=\"end\">\(escape(shorten(label)))</text>\n"
            for (offset, series) in chart.series.enumerated() {
                let value = series.values[index]
                let length = abs(value) / span * barArea
                let y = top + Double(offset) * bar
                let x = value < 0 ? axis - length : axis
                svg += "<rect x=\(quoted(x)) y=\(quoted(y)) width=\(quoted(length)) height=\(quoted(bar - 3)) fill=\"\(palette[offset % palette.count])\"><title>\(escape(label)): \(escape(number(value, unit: chart.unit)))</title></rect>\n"
                if value < 0 {
                    svg += "<text x=\(quoted(x - 6)) y=\(quoted(y + bar - 7)) text-anchor=\"end\">\(escape(number(value, unit: chart.unit)))</text>\n"
                } else {
                    svg += "<text x=\(quoted(x + length + 6)) y=\(quoted(y + bar - 7))>\(escape(number(value, unit: chart.unit)))</text>\n"
                }
            }
        }
        if mostNegative > 0 {
            svg += "<line class=\"zero\" x1=\(quoted(axis)) y1=\"0\" x2=\(quoted(axis)) y2=\(quoted(height - (chart.series.count > 1 ? 22 : 0))) stroke=\"#8a93a6\"/>\n"
        }
        if chart.series.count > 1 { svg += legend(chart, y: height - 8) }
        return svg + "</svg>\n"
    }

    /// A line per series over the labels, with the axis from zero.
    private static func line(_ chart: ReportDocument.Chart) -> String {
        let width = 720.0, height = 300.0, left = 70.0, right = 20.0, top = 20.0, bottom = 50.0
        let values = chart.series.flatMap(\.values)
        let largest = max(values.max() ?? 0, 0), smallest = min(values.min() ?? 0, 0)
        let span = max(largest - smallest, .leastNonzeroMagnitude)
        let steps = max(chart.labels.count - 1, 1)
        func x(_ index: Int) -> Double { left + (width - left - right) * Double(index) / Double(steps) }
        func y(_ value: Double) -> Double { top + (height - top - bottom) * (1 - (value - smallest) / span) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"\(escape(chart.title ?? "chart"))\">\n"
        svg += "<line x1=\"\(left)\" y1=\(quoted(y(smallest))) x2=\(quoted(width - right)) y2=\(quoted(y(smallest))) stroke=\"#8a93a6\"/>\n"
        svg += "<line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\(quoted(height - bottom)) stroke=\"#8a93a6\"/>\n"
        // With negative values, the zero line too: what is below it is below zero.
        if smallest < 0 {
            svg += "<line class=\"zero\" x1=\"\(left)\" y1=\(quoted(y(0))) x2=\(quoted(width - right)) y2=\(quoted(y(0))) stroke=\"#8a93a6\" stroke-dasharray=\"4 3\"/>\n"
        }
        for fraction in [0.0, 0.5, 1.0] {
            let value = smallest + span * fraction
            svg += "<text x=\(quoted(left - 6)) y=\(quoted(y(value) + 4)) text-anchor=\"end\">\(escape(compact(value)))</text>\n"
        }
        for (index, label) in chart.labels.enumerated() {
            svg += "<text x=\(quoted(x(index))) y=\(quoted(height - bottom + 18)) text-anchor=\"middle\">\(escape(shorten(label, to: 14)))</text>\n"
        }
        for (offset, series) in chart.series.enumerated() {
            let colour = palette[offset % palette.count]
            let points = series.values.enumerated().map { "\(format(x($0.offset))),\(format(y($0.element)))" }.joined(separator: " ")
            svg += "<polyline points=\"\(points)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\"/>\n"
            for (index, value) in series.values.enumerated() {
                svg += "<circle cx=\(quoted(x(index))) cy=\(quoted(y(value))) r=\"3\" fill=\"\(colour)\"><title>\(escape(chart.labels[index])): \(escape(number(value, unit: chart.unit)))</title></circle>\n"
            }
        }
        if chart.series.count > 1 { svg += legend(chart, y: height - 8) }
        return svg + "</svg>\n"
    }

    private static func legend(_ chart: ReportDocument.Chart, y: Double) -> String {
        var svg = ""
        var x = 10.0
        for (offset, series) in chart.series.enumerated() {
            svg += "<rect x=\(quoted(x)) y=\(quoted(y - 10)) width=\"10\" height=\"10\" fill=\"\(palette[offset % palette.count])\"/>"
            svg += "<text x=\(quoted(x + 14)) y=\(quoted(y))>\(escape(series.name))</text>\n"
            x += 24 + Double(series.name.count) * 7
        }
        return svg
    }

    /// A number as a report shows it: `1,300,000,000 RUB`, `61%`, `3.5`.
    public static func number(_ value: Double, unit: String?) -> String {
        let formatter = NumberFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.numberStyle = .decimal
        formatter.usesGroupingSeparator = true
        formatter.groupingSeparator = ","
        formatter.maximumFractionDigits = value.rounded() == value ? 0 : 2
        let text = formatter.string(from: NSNumber(value: value)) ?? plain(value)
        guard let unit else { return text }
        return unit == "%" ? text + "%" : text + " " + unit
    }

    /// Axis labels short enough for the margin: `1.3B`, `328M`, `12K`, `7.5`.
    static func compact(_ value: Double) -> String {
        let size = abs(value)
        for (limit, suffix) in [(1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")] where size >= limit {
            let scaled = value / limit
            return (abs(scaled) >= 100 ? String(Int(scaled.rounded())) : String(format: "%.1f", scaled)) + suffix
        }
        return value.rounded() == value ? String(Int64(value)) : String(format: "%.1f", value)
    }

    static func plain(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    private static func format(_ value: Double) -> String { String(format: "%.1f", value) }
    private static func quoted(_ value: Double) -> String { "\"" + format(value) + "\"" }

    private static func shorten(_ text: String, to limit: Int = 28) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }

    static func escape(_ text: String) -> String { HTMLText.escaped(text) }
}
