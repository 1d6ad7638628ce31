import ComityCheck
import ComityEngine
import Foundation
import Testing

/// `comity check` reads a script against the API registry without running it.
@Suite struct ScriptCheckTests {
    @Test func checkNamesAnUnknownCtxFieldWithItsNearestName() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("comity-check-ctx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("w.lua")
        try """
            return workflow {
              name = "followups",
              shedule = "0 8 * * *",
              run = function(ctx)
                print(ctx.parms.days, ctx.dry_run)
                print(ctx.trigger.evnt, ctx.trigger.kind)
                return report { title = "x", sections = {}, subtitel = "y" }
              end,
            }
            """.write(to: file, atomically: true, encoding: .utf8)
        let findings = ScriptCheck(api: .core).check(file: file.path, shownAs: "w.lua").map(\.description)
        #expect(findings == [
            "w.lua:3: " + WorkflowDeclaration.unknownField("shedule"),
            "w.lua:5: ctx has no field 'parms' (did you mean 'params'?)",
            "w.lua:6: ctx.trigger has no field 'evnt' (did you mean 'event'?)",
            "w.lua:7: report: no field 'subtitel' (fields: title, subtitle, sections)",
        ])
        #expect(WorkflowDeclaration.unknownField("shedule").hasPrefix("workflow has no field 'shedule' (did you mean 'schedule'?) (fields: name, description, run,"))
    }
}
