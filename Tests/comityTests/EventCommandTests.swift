import Foundation
import Testing

/// `TYPE.created` and `TYPE.updated` through the real command: a run's creations queue
/// and drain a listening workflow, and `workflows` and `check` know the new names.
@Suite struct EventCommandTests {
    static let scripts = [
        "comity.lua": "return { time_zone = 'UTC' }",
        "Scripts/intake.lua": """
            return workflow { name = "intake", run = function()
              local o = orgs.create { name = "Applicant" }
              applications.create { applicant = o, summary = "Library" }
              applications.create { applicant = o, summary = "School", requested = money(300, "RUB") }
            end }
            """,
        "Scripts/arrived.lua": """
            return workflow { name = "arrived", on = { "application.created" }, run = function(ctx)
              print("arrived: " .. ctx.trigger.fields.summary .. " (" .. ctx.trigger.fields.status .. ")")
              tasks.create { title = "Triage " .. ctx.trigger.fields.summary, about = ctx.trigger.record }
            end }
            """,
        "Scripts/retitled.lua": """
            return workflow { name = "retitled", on = "task.updated", run = function(ctx)
              print("retitled: " .. ctx.trigger.changes.title.old .. " -> " .. ctx.trigger.changes.title.new)
            end }
            """,
    ]

    @Test func aRunsCreationsQueueAndDrainTheWorkflowListeningToThem() throws {
        let folder = try workspace(Self.scripts)
        let dry = try Comity.run(["run", "Scripts/intake.lua", "--dry-run"], in: folder)
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.components(separatedBy: "it would queue arrived (on application.created)").count == 3, "\(dry.stdout)")

        let run = try Comity.run(["run", "Scripts/intake.lua"], in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == "arrived: Library (received)\narrived: School (received)\n", "\(run.stdout)")
        let listed = try Comity.run(["runs", "--json"], in: folder)
        let runs = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        #expect(runs.filter { $0["workflow"] as? String == "arrived" && $0["event"] as? String == "application.created" }.count == 2)

        try """
            return workflow { name = "rename", run = function()
              for t in tasks.find {} do tasks.update(t, { title = t.title .. "!" }) end
            end }
            """.write(to: folder.appendingPathComponent("Scripts/rename.lua"), atomically: true, encoding: .utf8)
        let renamed = try Comity.run(["run", "Scripts/rename.lua"], in: folder)
        #expect(renamed.status == 0, "\(renamed.stderr)")
        #expect(renamed.stdout == "retitled: Triage Library -> Triage Library!\nretitled: Triage School -> Triage School!\n")
    }

    @Test func workflowsAndCheckAcceptTheNewNamesAndRefuseAMisspeltOne() throws {
        let folder = try workspace(Self.scripts)
        let listed = try Comity.run(["workflows"], in: folder)
        #expect(listed.status == 0, "\(listed.stderr)")
        #expect(listed.stdout.contains("arrived  Scripts/arrived.lua\n  on: application.created"), "\(listed.stdout)")
        #expect(listed.stdout.contains("retitled  Scripts/retitled.lua\n  on: task.updated"))
        let checked = try Comity.run(["check", "Scripts/arrived.lua", "Scripts/retitled.lua"], in: folder)
        #expect(checked.status == 0, "\(checked.stdout)\(checked.stderr)")

        try "return workflow { name = 'typo', on = { 'application.craeted' }, run = function() end }".write(
            to: folder.appendingPathComponent("Scripts/typo.lua"), atomically: true, encoding: .utf8)
        let typo = try Comity.run(["workflows"], in: folder)
        #expect(typo.status == 1)
        #expect(typo.stdout.contains("'on' pattern 'application.craeted' matches no event (did you mean 'application.created'?)"),
                "\(typo.stdout)")
        let refused = try Comity.run(["check", "Scripts/typo.lua"], in: folder)
        #expect(refused.status == 1)
        #expect((refused.stdout + refused.stderr).contains("did you mean 'application.created'?"), "\(refused.stdout)\(refused.stderr)")
    }
}
