import ComityCore
import ComityReports
import Foundation
import HTTPTypes
import Hummingbird

/// A page of the dashboard: server-rendered HTML with no script, readable on a phone
/// and printable, under a policy that lets nothing but its own forms and styles run.
struct DashboardPage {
    var title: String
    /// The page's HTML, escaped where it holds data.
    var body: String
    /// The signed-in session's CSRF token, for the sign-out form (nil on the sign-in page).
    var csrf: String?
    var status: HTTPResponse.Status = .ok

    /// The sections of the navigation, by path.
    static let sections: [(path: String, name: String)] = [
        ("runs", "Runs"), ("queue", "Queue"), ("schedules", "Schedules"), ("workers", "Workers"), ("outbox", "Outbox"),
        ("reports", "Reports"),
    ]

    var response: Response {
        var navigation = ""
        if let csrf {
            navigation = "<nav>" + Self.sections.map { "<a href=\"/dashboard/\($0.path)\">\($0.name)</a>" }.joined(separator: " ")
                + "<form method=\"post\" action=\"/dashboard/sign-out\" class=\"inline\">\(Self.csrfField(csrf))<button>Sign out</button></form></nav>"
        }
        let html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <link rel="icon" href="data:,"><title>\(Self.text(title)) · Comity</title><style>\(Self.style)</style></head>
            <body><header><strong>Comity</strong> \(navigation)</header><main><h1>\(Self.text(title))</h1>
            \(body)
            </main></body></html>
            """
        return Response(status: status, headers: Self.headers, body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    /// No script, no frames, forms only to this server, nothing kept by caches.
    static var headers: HTTPFields {
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"]
        headers[HTTPField.Name("Content-Security-Policy")!] =
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        return headers
    }

    /// A `303 See Other` to `location`: where a form's POST leads.
    static func redirect(_ location: String, cookies: [Cookie] = []) -> Response {
        var response = Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
        for cookie in cookies { response.setCookie(cookie) }
        return response
    }

    static func text(_ value: String) -> String { HTMLText.escaped(value) }

    static func csrfField(_ csrf: String) -> String { "<input type=\"hidden\" name=\"csrf\" value=\"\(text(csrf))\">" }

    /// A form of one button that POSTs to `action` with the session's CSRF token.
    static func button(_ label: String, action: String, csrf: String) -> String {
        "<form method=\"post\" action=\"\(text(action))\" class=\"inline\">\(csrfField(csrf))<button>\(text(label))</button></form>"
    }

    /// A table of `rows` (already HTML) under `columns`, or `empty` when there are none.
    static func table(_ columns: [String], _ rows: [[String]], empty: String) -> String {
        guard !rows.isEmpty else { return "<p class=\"empty\">\(text(empty))</p>" }
        return "<div class=\"scroll\"><table><thead><tr>" + columns.map { "<th>\(text($0))</th>" }.joined() + "</tr></thead><tbody>"
            + rows.map { "<tr>" + $0.map { "<td>\($0)</td>" }.joined() + "</tr>" }.joined() + "</tbody></table></div>"
    }

    /// A term and its description, for a `<dl>`.
    static func term(_ name: String, _ html: String) -> String { "<dt>\(text(name))</dt><dd>\(html)</dd>" }

    static func outcome(_ outcome: RunRecord.Outcome) -> String {
        "<span class=\"outcome \(outcome.rawValue)\">\(outcome.rawValue)</span>"
    }

    static func message(_ text: String, kind: String = "note") -> String { "<p class=\"\(kind)\">\(Self.text(text))</p>" }

    static let style = """
        body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1b1b1b;background:#fff}
        header{display:flex;flex-wrap:wrap;gap:.4em 1em;align-items:center;padding:.6em 1em;background:#f2f4f7;border-bottom:1px solid #d0d5dd}
        nav{display:flex;flex-wrap:wrap;gap:.3em .9em;align-items:center}nav a{color:#1d4ed8}
        main{padding:0 1em 2em;max-width:75em}h1{font-size:1.35em}h2{font-size:1.1em;margin-top:1.6em}
        .scroll{overflow-x:auto}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3em .5em;border-bottom:1px solid #e4e7ec;vertical-align:top}
        th{font-weight:600;background:#f9fafb}pre{white-space:pre-wrap;word-break:break-word;background:#f9fafb;padding:.6em;border:1px solid #e4e7ec}
        dl{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em}dt{font-weight:600}dd{margin:0}
        .outcome{padding:0 .35em;border-radius:.3em;background:#e4e7ec}.succeeded{background:#d1fadf}.failed,.limit,.interrupted{background:#fee4e2}
        .running{background:#dbeafe}.inline{display:inline}form.filters{display:flex;flex-wrap:wrap;gap:.5em;align-items:end;margin:.5em 0 1em}
        label{display:flex;flex-direction:column;font-size:.9em}input,select,button{font:inherit;padding:.25em .4em}
        .error{color:#b42318;font-weight:600}.note{color:#344054}.empty{color:#667085}
        @media print{header,form,button{display:none}a{color:inherit;text-decoration:none}}
        """
}
