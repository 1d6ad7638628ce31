import ArgumentParser
import ComitySQL
import ComityService
import Foundation

struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "The workspace's database as a whole.",
        subcommands: [Copy.self])

    struct Copy: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy the workspace's database into an empty one: SQLite to PostgreSQL, or back.",
            discussion: """
                Copies every table (records, audit, events, runs, the queue, schedules, the outbox, \
                once-keys) in one transaction of the target, then checks that each table has as many \
                rows on both sides and that every Money field totals the same. The target must be \
                empty (a new PostgreSQL database, or an SQLite file that does not exist yet). Then \
                point comity.lua at it (store = { postgres = ... }, or database = ...).
                """)

        @Option(help: ArgumentHelp("Where to copy to: postgres://user@host:5432/database, or an SQLite file.", valueName: "url-or-path"))
        var to: String

        func run() throws {
            let opened = try CommandEngine.open()
            let report = try CommandFailure.reporting { () throws -> StoreCopyReportView in
                do {
                    return StoreCopyReportView(try opened.copyStore(to: to))
                } catch let error as EngineError {
                    throw error
                } catch {
                    throw EngineError.failed("\(error)")
                }
            }
            for line in report.lines { Output.print(line) }
        }
    }
}

/// What `store copy` prints.
struct StoreCopyReportView {
    let lines: [String]

    init(_ report: StoreCopyReport) {
        let copied = report.rows.filter { $0.count > 0 }
        lines = ["copied \(report.rows.reduce(0) { $0 + $1.count }) row(s) in \(copied.count) table(s), checked:"]
            + copied.map { "  \($0.table): \($0.count)" } + report.totals.map { "  \($0)" }
    }
}
