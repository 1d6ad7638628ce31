import ArgumentParser
import ComityCore
import ComityService
import Foundation

struct PeopleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "people",
        abstract: "Personal data of a person: export everything held about them, or erase it.",
        subcommands: [Export.self, Forget.self],
        defaultSubcommand: Export.self)

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write everything the workspace holds about a person as JSON (a data subject access request).",
            discussion: """
                Their record with every field (personal ones included), its audit, their memberships and the tokens \
                that act as them, the tasks assigned to them, the events they take part in, and the messages \
                addressed to their email.
                """)

        @Argument(help: "The person: an id, an email or a name.")
        var person: String

        @Option(name: .shortAndLong, help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file"))
        var out: String?

        func run() throws {
            let data = try CommandFailure.reportingRefusals { try CommandEngine.open().personalData(of: person) }
            try Output.write(String(decoding: data.encoded(), as: UTF8.self) + "\n", to: out)
        }
    }

    struct Forget: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Erase a person's personal fields everywhere: their record, the audit's values, events' data, unsent messages.",
            discussion: """
                The record stays (its name, its links), so the history still adds up; an audit entry says the erasure \
                was made. Messages already sent are not taken back.
                """)

        @Argument(help: "The person: an id, an email or a name.")
        var person: String

        func run() throws {
            let (name, erased) = try CommandFailure.reportingRefusals { try CommandEngine.open().forget(person) }
            let fields = erased.fields.isEmpty ? "no personal field held a value" : erased.fields.joined(separator: ", ")
            Output.print("erased from \(name): \(fields); \(erased.auditEntries) audit entries, \(erased.events) events, "
                         + "\(erased.unsentMessages) unsent messages changed")
        }
    }
}
