import ComityEngine
import Foundation
import LuaBridge
import Testing

final class Lines: @unchecked Sendable {
    var all: [String] = []
}

@Suite struct ScriptRunnerTests {
    func script(_ text: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("runner-\(UUID().uuidString).lua")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test func aWorkflowDeclarationHasItsRunCalled() throws {
        let file = try script("""
            return workflow {
              name = "event-followups",
              description = "tasks after events",
              params = { days = { type = "integer", default = 7 } },
              run = function(ctx) print(ctx.workflow, ctx.params.days, math.type(ctx.params.days), ctx.dry_run) end,
            }
            """)
        let lines = Lines()
        let run = ScriptRunner(parameters: ["days": "14"]).run(file: file) { lines.all.append($0) }
        #expect(run.succeeded)
        #expect(run.workflowName == "event-followups")
        #expect(lines.all == ["event-followups\t14\tinteger\tfalse"])
        #expect(run.memoryPeak > 0)
    }

    @Test func declarationMistakesAreNamed() throws {
        let misspelt = try script("return workflow { name = 'x', shedule = '0 8 * * *', run = function() end }")
        let run = ScriptRunner().run(file: misspelt) { _ in }
        #expect(run.outcome.error?.message.hasPrefix("\(misspelt):1: workflow has no field 'shedule' (did you mean 'schedule'?) (fields: name,") == true)

        let noRun = try script("return workflow { name = 'x', run = 42 }")
        #expect(ScriptRunner().run(file: noRun) { _ in }.outcome.error?.message
            == "\(noRun):1: workflow 'x': field 'run' must be a function (got number)")

        let noName = try script("return workflow { run = function() end }")
        #expect(ScriptRunner().run(file: noName) { _ in }.outcome.error?.message
            == "\(noName):1: workflow: field 'name' must be a non-empty string (got nil)")
    }

    @Test func errorsInsideRunKeepTheirLine() throws {
        let file = try script("""
            return workflow {
              name = "broken",
              run = function(ctx)
                local missing
                return missing.field
              end,
            }
            """)
        let run = ScriptRunner().run(file: file) { _ in }
        #expect(run.outcome.error?.message == "\(file):5: attempt to index a nil value (local 'missing')")
        #expect(run.workflowName == "broken")
    }

    @Test func limitsApplyToTheRun() throws {
        let file = try script("return workflow { name = 'spin', run = function() while true do end end }")
        var limits = LuaLimits.default
        limits.time = .milliseconds(200)
        let run = ScriptRunner(limits: limits).run(file: file) { _ in }
        #expect(run.outcome.error?.kind == .limit(.time))
    }
}
