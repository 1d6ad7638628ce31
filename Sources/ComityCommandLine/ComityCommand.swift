import ArgumentParser
import ComityEngine
import Foundation
import HumanReadable
import LuaBridge

struct ComityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "comity",
        abstract: "A workflow engine for networks of NGOs: Lua workflows over organisations, grants, partnerships and events.",
        discussion: """
            Workflows are Lua files; `comity run FILE.lua` runs them in a sandbox with limits on \
            memory, time, instructions and output. See README.md for the Lua style and the rules.
            """,
        version: ComityVersion.current,
        subcommands: [InitCommand.self, RunCommand.self, WorkflowsCommand.self, RunsCommand.self, QueueCommand.self, ScheduleCommand.self, TickCommand.self, DaemonCommand.self, WorkerCommand.self, StoreCommand.self, PluginsCommand.self, ReplCommand.self, CheckCommand.self, TestCommand.self, ImportCommand.self, ExportCommand.self, OutboxCommand.self, ReportCommand.self, APICommand.self, ServeCommand.self, TokensCommand.self, AccessCommand.self, PeopleCommand.self]
    )

    /// swift-argument-parser's `main`, with its messages (help, version, usage errors)
    /// written through ``Output`` like everything else, and the exit status
    /// ``Output/finish(_:)`` gives: a failed write of standard output is an error.
    static func start() async -> Never {
        let status: Int32
        if let unknown = unknownHelpTopic(Array(CommandLine.arguments.dropFirst())) {
            Output.error("error: \(unknown)\nUsage: comity help [command ...]\n")
            Foundation.exit(Output.finish(ExitCode.validationFailure.rawValue))
        }
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments == ["--version"] {
            Output.out(ComityVersion.current + "\n")
            Foundation.exit(Output.finish(0))
        }
        do {
            var command: any ParsableCommand
            if let direct = directlyParsed(arguments) { command = direct } else { command = try await asyncParseAsRoot(nil) }
            do {
                if var asyncCommand = command as? AsyncParsableCommand {
                    try await asyncCommand.run()
                } else {
                    try command.run()
                }
            } catch {
                throw RunFailure(error, command: type(of: command))
            }
            status = 0
        } catch let failure as RunFailure {
            status = failure.report()
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

    /// The command `arguments` name, parsed as if it were the root: swift-argument-parser
    /// would otherwise name every command type first (by reflection, a large part of a
    /// short command's start-up). Only a parse that succeeds is taken (the root has no
    /// options of its own, so it is the same command with the same values); help,
    /// `--version` after a command, completions and every mistake fall back to the
    /// whole tree, which words them as before.
    static func directlyParsed(_ arguments: [String]) -> (any ParsableCommand)? {
        guard let name = arguments.first, !name.hasPrefix("-"),
              let command = configuration.subcommands.first(where: { $0.configuration.commandName == name }) else { return nil }
        guard let parsed = try? command.parseAsRoot(Array(arguments.dropFirst())) else { return nil }
        // `--help` parses too, as argument-parser's own help command: that one, and any
        // other built-in, is left to the whole tree, which names the command in full.
        func within(_ type: any ParsableCommand.Type) -> Bool {
            ObjectIdentifier(type) == ObjectIdentifier(Swift.type(of: parsed)) || type.configuration.subcommands.contains(where: within)
        }
        return within(command) ? parsed : nil
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

/// An error a command's `run` threw, as opposed to one found while parsing its arguments
/// (where swift-argument-parser prints the usage, rightly): a run's failure is said as
/// `error: ...` without the usage line, unless it is a mistake in the arguments found
/// late (a `ValidationError`), which gets the command's own usage, exit 64.
struct RunFailure: Error {
    let error: any Error
    let command: any ParsableCommand.Type

    init(_ error: any Error, command: any ParsableCommand.Type) {
        self.error = error
        self.command = command
    }

    /// Says the error on standard error; the exit status.
    func report() -> Int32 {
        switch error {
        case let exit as ExitCode:
            return exit.rawValue
        case let validation as ValidationError:
            let name = ComityCommand.path(to: command).joined(separator: " ")
            Output.error("error: \(validation.message)\n\(ComityCommand.usageString(for: command))\n"
                         + "  See 'comity help \(name)' for more.\n")
            return ExitCode.validationFailure.rawValue
        default:
            // CleanExit (help, version) and the like are argument-parser's own to say.
            let message = ComityCommand.fullMessage(for: error)
            let code = ComityCommand.exitCode(for: error)
            if code == .success {
                if !message.isEmpty { Output.out(message + "\n") }
                return 0
            }
            Output.error("error: \(error)\n")
            return code.rawValue
        }
    }
}

extension ComityCommand {
    /// The command names from the root to `command` (empty for the root itself).
    static func path(to command: any ParsableCommand.Type) -> [String] {
        func search(_ from: any ParsableCommand.Type, _ trail: [String]) -> [String]? {
            if ObjectIdentifier(from) == ObjectIdentifier(command) { return trail }
            for sub in from.configuration.subcommands {
                if let found = search(sub, trail + [sub._commandName]) { return found }
            }
            return nil
        }
        return search(ComityCommand.self, []) ?? []
    }
}
