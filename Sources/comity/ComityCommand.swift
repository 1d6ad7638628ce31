import ArgumentParser
import ComityEngine
import Foundation
import LuaBridge

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
        if let unknown = unknownHelpTopic(Array(CommandLine.arguments.dropFirst())) {
            Output.error("error: \(unknown)\nUsage: comity help [command ...]\n")
            Foundation.exit(Output.finish(ExitCode.validationFailure.rawValue))
        }
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

    /// `comity help nosuch` is a usage error (swift-argument-parser prints the general
    /// help for it): the topic named, with the commands there are and the nearest one.
    static func unknownHelpTopic(_ arguments: [String]) -> String? {
        guard arguments.first == "help" else { return nil }
        var commands: [any ParsableCommand.Type] = configuration.subcommands
        var path = "comity"
        for topic in arguments.dropFirst() where !topic.hasPrefix("-") {
            let names = commands.map { $0._commandName }
            guard let found = commands.first(where: { $0._commandName == topic || $0.configuration.aliases.contains(topic) }) else {
                var message = "\(path) has no command '\(topic)'"
                if let near = NameSuggestion.closest(to: topic, among: names) { message += " (did you mean '\(near)'?)" }
                return message + " (commands: \(names.joined(separator: ", ")))"
            }
            path += " " + topic
            commands = found.configuration.subcommands
        }
        return nil
    }
}

