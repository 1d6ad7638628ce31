import ArgumentParser
import ComityEngine
import Foundation

@main
struct ComityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "comity",
        abstract: "A workflow engine for networks of NGOs: Lua workflows over organisations, grants, partnerships and events.",
        discussion: """
            Workflows are Lua files; `comity run FILE.lua` runs them in a sandbox with limits on \
            memory, time, instructions and output. See README.md for the Lua style and the rules.
            """,
        version: ComityVersion.current,
        subcommands: [InitCommand.self, RunCommand.self, WorkflowsCommand.self, RunsCommand.self, QueueCommand.self, ScheduleCommand.self, TickCommand.self, DaemonCommand.self, PluginsCommand.self, ReplCommand.self, CheckCommand.self, TestCommand.self, ImportCommand.self, ExportCommand.self, OutboxCommand.self, ReportCommand.self, APICommand.self]
    )

    /// swift-argument-parser's `main`, with its messages (help, version, usage errors)
    /// written through ``Output`` like everything else, and the exit status
    /// ``Output/finish(_:)`` gives: a failed write of standard output is an error.
    static func main() async {
        Output.holdClosedDescriptors()
        let status: Int32
        do {
            var command = try await asyncParseAsRoot(nil)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            status = 0
        } catch {
            let message = fullMessage(for: error)
            let code = exitCode(for: error)
            if !message.isEmpty {
                if code == .success { Output.out(message + "\n") } else { Output.error(message + "\n") }
            }
            status = code.rawValue
        }
        Foundation.exit(Output.finish(status))
    }
}

