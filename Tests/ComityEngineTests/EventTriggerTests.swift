import ComityCore
import ComityEngine
import ComitySQLite
import Foundation
import LuaBridge
import Testing

/// `TYPE.created` and `TYPE.updated`, and what `ctx.trigger` says of the event.
@Suite struct EventTriggerTests {
    static let makeGrant = """
        local f = orgs.create { name = "Funder" }
        local g = grants.create { title = "Library", funder = f, recipient = orgs.create { name = "Library NGO" },
                                  amount_awarded = money(1000, "RUB") }
        """

    @Test func aWorkflowOnGrantUpdatedReadsTheChangedAmountWithItsOldAndNewValues() throws {
        let workspace = try WorkflowWorkspace([
            "change.lua": "return workflow { name = 'change', run = function() \(Self.makeGrant)\n"
                + "grants.update(g, { amount_awarded = money(1500, 'RUB'), programme = 'libraries' })\n"
                + "grants.update(g, { programme = 'libraries' }) end }", // changes nothing: no event
            "watch.lua": """
                return workflow {
                  name = "watch",
                  on = { "grant.updated" },
                  run = function(ctx)
                    local c = ctx.trigger.changes.amount_awarded
                    if c then
                      print(ctx.trigger.event, tostring(c.old), tostring(c.new), tostring(c.new - c.old),
                            ctx.trigger.changes.programme.old, ctx.trigger.changes.programme.new,
                            ctx.trigger.fields.title, ctx.trigger.fields.funder.name, ctx.trigger.fields.id == ctx.trigger.record.id)
                    end
                    local ok, err = pcall(function() ctx.trigger.changes.amount_awarded = 1 end)
                    print(ok, err ~= nil)
                  end,
                }
                """,
        ])
        let lines = Lines()
        let (run, queued) = try workspace.run("change.lua", lines: lines)
        #expect(run.succeeded && run.queued == 1, "\(run.outcome.error?.message ?? "")")
        #expect(queued.count == 1 && queued.allSatisfy(\.succeeded), "\(queued.map { $0.outcome.error?.message ?? "ok" })")
        #expect(lines.all == ["grant.updated\t1,000.00 RUB\t1,500.00 RUB\t500.00 RUB\tnil\tlibraries\tLibrary\tFunder\ttrue", "false\ttrue"])
    }

    @Test func aWorkflowOnApplicationCreatedRunsOncePerApplicationAndStarCreatedHearsEveryCreation() throws {
        let workspace = try WorkflowWorkspace([
            "intake.lua": """
                return workflow { name = 'intake', run = function()
                  local o = orgs.create { name = "Applicant" }
                  for i = 1, 3 do applications.create { applicant = o, summary = "Proposal " .. i } end
                end }
                """,
            "arrived.lua": """
                return workflow { name = 'arrived', on = 'application.created', run = function(ctx)
                  local f = ctx.trigger.fields
                  print(ctx.trigger.event, f.summary, f.status, f.applicant.name, next(ctx.trigger.changes) == nil)
                  tasks.create { title = "Triage " .. f.summary, about = ctx.trigger.record }
                end }
                """,
            "every.lua": "return workflow { name = 'every', on = { '*.created' }, run = function(ctx) print('created', ctx.trigger.event) end }",
        ])
        let lines = Lines()
        let (run, queued) = try workspace.run("intake.lua", lines: lines)
        #expect(run.succeeded && run.queued == 7, "\(run.outcome.error?.message ?? "")") // 3 arrived, 4 every
        // The three triage tasks are creations too: `every` hears them at depth 2.
        #expect(queued.count == 10 && queued.allSatisfy(\.succeeded), "\(queued.map { $0.outcome.error?.message ?? "ok" })")
        #expect(lines.all.filter { $0.hasPrefix("application.created") }.sorted() == (1...3).map {
            "application.created\tProposal \($0)\treceived\tApplicant\ttrue"
        })
        #expect(lines.all.filter { $0.hasPrefix("created") }.sorted()
            == ["created\tapplication.created", "created\tapplication.created", "created\tapplication.created",
                "created\torganisation.created", "created\ttask.created", "created\ttask.created", "created\ttask.created"])
        #expect(try workspace.store.read { try $0.count(.task, RecordQuery()) } == 3)
    }

    @Test func aRunTriggeredBySubmittedSeesTheRecordAsItWasThenAndAsItIsNow() throws {
        let workspace = try WorkflowWorkspace([
            "award.lua": "return workflow { name = 'award', run = function() \(Self.makeGrant)\n"
                + "grants.submit(g)\ngrants.award(g, { decided_on = '2021-02-01' }) end }",
            "submitted.lua": """
                return workflow { name = 'submitted', on = 'grant.submitted', run = function(ctx)
                  local s = ctx.trigger.changes.status
                  print(ctx.trigger.fields.status, ctx.trigger.record.status, s.old, s.new, ctx.trigger.fields.decided_on,
                        ctx.trigger.at.unix == time.now().unix)
                end }
                """,
        ])
        let lines = Lines()
        let (run, queued) = try workspace.run("award.lua", lines: lines)
        #expect(run.succeeded && queued.count == 1 && queued.allSatisfy(\.succeeded), "\(queued.map { $0.outcome.error?.message ?? "ok" })")
        #expect(lines.all == ["submitted\tawarded\tdraft\tsubmitted\tnil\ttrue"])
        // The queued run's record keeps which event it was: a retry reads the same data.
        let record = try #require(queued.first?.record)
        #expect(record.trigger.eventID != nil)
    }

    @Test func aWorkflowThatUpdatesWhatItListensToIsStoppedByTheDepthWithAClearMessage() throws {
        let workspace = try WorkflowWorkspace([
            "start.lua": "return workflow { name = 'start', run = function() \(Self.makeGrant) end }",
            "bump.lua": """
                return workflow { name = 'bump', on = { 'grant.created', 'grant.updated' }, run = function(ctx)
                  grants.update(ctx.trigger.record, { amount_awarded = ctx.trigger.record.amount_awarded + money(1, "RUB") })
                end }
                """,
        ])
        let (run, queued) = try workspace.run("start.lua", depth: 3)
        #expect(run.succeeded)
        #expect(queued.count == 4) // depths 1, 2, 3, and the one refused at 4
        let refused = try #require(queued.last)
        let message = refused.outcome.error?.message ?? ""
        #expect(!refused.succeeded)
        #expect(message.hasPrefix("not run: triggered by event grant.updated (grant#1), it would be number 4 in a chain"), "\(message)")
        #expect(message.contains("max_trigger_depth = 3 in comity.lua") && message.contains("ctx.trigger.changes"), "\(message)")
        #expect(try workspace.history().first { $0.trigger.depth == 4 }?.error == message)
        #expect(try workspace.store.read { try $0.record(RecordReference(.grant, 1))?.fields["amount_awarded"] }
            == .money(Money(minorUnits: 1003_00, currency: try Currency("RUB"))))
    }

    @Test func creationsNobodyListensToRecordNoEventAndQueueNothing() throws {
        let workspace = try WorkflowWorkspace([
            "bulk.lua": "return workflow { name = 'bulk', run = function() for i = 1, 50 do orgs.create { name = 'O' .. i } end end }",
            "awarded.lua": "return workflow { name = 'awarded', on = 'grant.awarded', run = function() end }",
        ])
        let (run, queued) = try workspace.run("bulk.lua")
        #expect(run.succeeded && run.queued == 0 && queued.isEmpty)
        #expect(try workspace.store.read { try $0.events(since: 0) }.isEmpty)
        // Once a workflow listens, the same run records its creations (the catalog is read again).
        try workspace.write("listen.lua", "return workflow { name = 'listen', on = 'organisation.created', run = function() end }")
        let (again, drained) = try workspace.run("bulk.lua")
        #expect(again.queued == 50 && drained.count == 50)
        #expect(try workspace.store.read { try $0.events(byRun: again.id) }.count == 50)
    }

    @Test func theNewEventNamesAreAcceptedAndAMisspeltOneIsRefusedWithASuggestion() throws {
        #expect(DomainSchema.standard.eventNames.contains("application.created"))
        #expect(DomainSchema.standard.eventNames.contains("organisation.updated"))
        #expect(EventPattern.matches("*.created", "task.created") && !EventPattern.matches("*.created", "task.updated"))
        #expect(EventPattern.matches("grant.*", "grant.updated") && !EventPattern.matches("grant.*", "grants.updated"))
        let workspace = try WorkflowWorkspace([
            "typo.lua": "return workflow { name = 'typo', on = 'application.craeted', run = function() end }",
        ])
        let catalog = WorkflowCatalog.load(workspace: workspace.folder)
        let error = catalog.workflows.first?.error ?? ""
        #expect(error.contains("'on' pattern 'application.craeted' matches no event (did you mean 'application.created'?)"), "\(error)")
    }
}
