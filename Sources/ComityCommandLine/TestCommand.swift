import ArgumentParser
import ComityCore
import ComityEngine
import ComityService
import Foundation
import Logging

struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run the specs of your workflows: *_spec.lua files.",
        discussion: """
            Each case, `it("...", function() ... end)`, gets an empty database in memory, a clock \
            starting at 2021-01-26T12:00:00Z that `clock.advance(time.days(3))` and `clock.set(t)` \
            move, the whole Lua API, `fixture("name")` (runs fixtures/name.lua beside the spec), and \
            `run_workflow("Scripts/x.lua", { param = value })`, which runs a workflow as `comity run` \
            does and then the workflows its events trigger, and returns { outcome, error, log, \
            output, created, changed, triggered }; `inbox_put(name, text)` puts a file in the case's \
            own inbox; `outbox()` lists the queued messages. Check with expect(x).to_equal(y), to_be_nil(), \
            to_be_truthy(), to_be_falsy(), to_contain(part) and expect(fn).to_fail_with("text"). \
            The exit status is 1 when a case fails.
            """
    )

    @Argument(help: "Spec files or folders to search (default: the workspace's Scripts/; specs in a plugin's folder are refused, as they would run with the workspace's authority).", completion: .file())
    var paths: [String] = []

    @Flag(help: "Print a JSON report instead of text.")
    var json = false

    @Flag(name: .shortAndLong, help: "Show what every case printed, not only failing ones.")
    var verbose = false

    @Option(help: ArgumentHelp("Log level on standard error.", valueName: "level"))
    var logLevel: Logger.Level = .warning

    func run() throws {
        CommandLogging.bootstrap(logLevel)
        let suite = try CommandFailure.reporting {
            try Engine.specs(paths, around: CommandEngine.currentFolder) { file in
                guard !json else { return }
                Output.print(file.shown)
                for result in file.cases {
                    Output.print("  \(result.passed ? "✓" : "✗") \(result.name)")
                    if let failure = result.failure { Output.print("      " + failure.replacingOccurrences(of: "\n", with: "\n      ")) }
                    if verbose || !result.passed {
                        for line in result.output { Output.print("      | " + line) }
                    }
                }
            }
        }
        let results = suite.cases
        let failed = suite.failed
        if json {
            try JSONOutput.print(TestReport(files: suite.files.count, cases: results.count, failed: failed, results: results))
        } else {
            Output.print(suite.files.isEmpty ? "no *_spec.lua files found"
                         : "\(results.count) case(s) in \(suite.files.count) file(s): \(failed) failed")
        }
        if failed > 0 || suite.files.isEmpty && !paths.isEmpty { throw ExitCode(1) }
    }

    struct TestReport: Encodable {
        var files, cases, failed: Int
        var results: [SpecRunner.CaseResult]
    }
}
