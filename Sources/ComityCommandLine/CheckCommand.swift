import ArgumentParser
import ComityCheck
import ComityEngine
import ComityService
import Foundation

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check Lua scripts without running them: syntax, API names, arguments, record fields.",
        discussion: """
            Each finding is printed as FILE:LINE: message; the exit status is 1 when there is one, \
            so it fits a pre-commit hook:
              comity check $(git diff --cached --name-only -- '*.lua')
            Names and types come from the workspace's API registry (plugins and custom fields \
            included). A workflow's declaration is also read as `comity workflows` reads it \
            (its top level only, with no database), so that its limits, parameters and \
            schedule are checked as a run would check them. What cannot be known without \
            running the script is not reported.
            """)

    @Argument(help: "The Lua files to check.")
    var files: [String]

    func validate() throws {
        if files.isEmpty { throw ValidationError("give one or more .lua files to check") }
    }

    func run() throws {
        let workspace = try CommandEngine.workspace()
        let check = ScriptCheck(api: workspace.pluginsAndAPI().api, eventNames: workspace.schema.eventNames,
                                moduleRoots: [workspace.folder.appendingPathComponent("Scripts")], schema: workspace.schema,
                                declarationWorkspace: (workspace.folder, workspace.timeZone))
        var findings: [CheckFinding] = []
        for file in files {
            let path = file.hasPrefix("/") ? file : FileManager.default.currentDirectoryPath + "/" + file
            findings += check.check(file: path, shownAs: file)
        }
        for finding in findings { Output.print(finding) }
        if !findings.isEmpty {
            Output.error("\(findings.count) finding(s) in \(Set(findings.map(\.file)).count) of \(files.count) file(s)\n")
            throw ExitCode(1)
        }
    }
}
