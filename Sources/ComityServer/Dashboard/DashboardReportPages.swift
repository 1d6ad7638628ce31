import ComityCore
import ComityService
import Foundation
import HTTPTypes
import Hummingbird

/// The workspace's reports (Scripts/reports/) in their HTML form, each run read-only
/// when opened, as `comity report NAME --out page.html` runs it.
enum DashboardReportPages {
    static func add(to pages: RouterGroup<ComityRequestContext>, engine: EngineExecutor) {
        pages.get("reports") { _, context in
            let csrf = context.dashboard?.session.csrf ?? ""
            let names = try await engine.read { $0.reportNames() }
            let body = names.isEmpty ? DashboardPage.message("No reports: a report is a script in Scripts/reports/.")
                : "<ul>" + names.map { "<li><a href=\"/dashboard/reports/\(DashboardPage.text($0))\">\(DashboardPage.text($0))</a></li>" }.joined() + "</ul>"
            return DashboardPage(title: "Reports", body: body, csrf: csrf).response
        }
        pages.get("reports/:name") { _, context in
            let csrf = context.dashboard?.session.csrf ?? ""
            let name = context.parameters.get("name") ?? ""
            guard !name.isEmpty, name.utf8.allSatisfy({ ReportRoutes.nameBytes.contains($0) }) else {
                return DashboardPage(title: "No such report", body: DashboardPage.message("A report's name is its file's in Scripts/reports/, without .lua.", kind: "error"),
                                     csrf: csrf, status: .notFound).response
            }
            do {
                let html = try await engine.perform { engine in try engine.report(name, format: "html") { _ in } }
                var headers = DashboardPage.headers
                // A report's page is its own document: it runs no script, as from the API.
                headers[HTTPField.Name("Content-Security-Policy")!] = ReportRoutes.htmlPolicy
                return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
            } catch let error as EngineError {
                return DashboardPage(title: "Report \(name)", body: DashboardPage.message("\(error)", kind: "error"), csrf: csrf, status: .unprocessableContent).response
            }
        }
    }
}
