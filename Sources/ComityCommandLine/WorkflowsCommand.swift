import ArgumentParser
import ComityEngine
import ComityService
import Foundation

struct WorkflowsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workflows",
        abstract: "List the workflows in Scripts/ and those plugins provide: name, file, triggers, schedule and parameters.",
        discussion: """
            Declarations are read by running each script's top level only, with no database: \
            nothing is changed. A script that fails to load, or shares its workflow's name with \
            another, is listed with its error, and the exit status is 1.
            """
    )

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        // A schedule's expression is checked too (by the engine), so a mistake shows before a tick.
        let (workspace, catalog) = try CommandFailure.reporting { try Engine.workflows(around: CommandEngine.currentFolder) }
        if json {
            try JSONOutput.print(catalog.workflows)
        } else if catalog.workflows.isEmpty {
            Output.print("no workflows in \(workspace.folder.appendingPathComponent("Scripts").path)")
        } else {
            for workflow in catalog.workflows {
                Output.print("\(workflow.name)  \(workflow.file)")
                if let error = workflow.error {
                    Output.print("  error: \(error)")
                    continue
                }
                if let description = workflow.description { Output.print("  \(description)") }
                if !workflow.triggers.isEmpty { Output.print("  on: \(workflow.triggers.joined(separator: ", "))") }
                if let schedule = workflow.schedule, let words = workflow.scheduleInWords {
                    Output.print("  schedule: \(schedule) (\(words), \(workflow.timeZone ?? workspace.timeZone.name))")
                }
                for parameter in workflow.parameters {
                    let fallback = parameter.defaultValue.map { "default \($0)" } ?? "required"
                    Output.print("  --param \(parameter.name)=<\(parameter.type.rawValue)>  (\(fallback))"
                          + (parameter.description.map { "  \($0)" } ?? ""))
                }
            }
        }
        if catalog.workflows.contains(where: { $0.error != nil }) { throw ExitCode(1) }
    }
}
