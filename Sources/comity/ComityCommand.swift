import ArgumentParser
import ComityEngine

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
}

