import Comity
import Foundation
import Testing

/// The README's embedding examples, compiled and run as they are written there.
@Suite struct EmbeddingExampleTests {
    @Test func theBridgeOnItsOwn() throws {
        let sandbox = try LuaSandbox(limits: .default) { line in print(line) }
        try sandbox.state.register("double") { call in
            call.returning(try call.integer(1) * 2)
        }
        let results = try sandbox.run("return double(21)", chunkName: "example.lua")  // [.integer(42)]
        #expect(results == [.integer(42)])
    }

    @Test func theEngine() throws {
        let network = URL(fileURLWithPath: #filePath)  // the repository stands in for /srv/network
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let lines = Lines()

        let runner = ScriptRunner(workspace: network, parameters: ["days": "14"])
        let run = runner.run(file: "Scripts/roundtable.lua") { line in lines.all.append(line) }
        if let error = run.outcome.error { print(error.message) }

        #expect(run.succeeded)
        #expect(run.workflowName == "roundtable-followup")
        #expect(lines.all.contains { $0.contains("due 2021-02-09 (14 days after)") })
    }

    @Test func theEngineService() throws {
        // A network's folder: comity.lua and the shipped follow-ups workflow.
        let network = FileManager.default.temporaryDirectory.appendingPathComponent("comity-embed-\(UUID().uuidString)")
        let repository = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        try FileManager.default.createDirectory(at: network.appendingPathComponent("Scripts"), withIntermediateDirectories: true)
        try "return {}".write(to: network.appendingPathComponent("comity.lua"), atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(at: repository.appendingPathComponent("Scripts/followups.lua"),
                                         to: network.appendingPathComponent("Scripts/followups.lua"))
        let lines = Lines()

        let engine = try Engine.open(around: network)
        let ran = try engine.run(workflow: "followups", parameters: ["window_days": .integer(60)]) { line in lines.all.append(line) }
        for run in [ran.run] + ran.queued where !run.succeeded { print(run.outcome.error?.message ?? "") }
        let tick = try engine.tick { line in lines.all.append(line) }   // what `comity tick` does

        #expect(ran.succeeded)
        #expect(ran.run.record.parameters["window_days"] == "60")
        #expect(tick.runs.isEmpty && !tick.deferred)
        #expect(try engine.store.read { try $0.runs(RunFilter(limit: 10)) }.map(\.workflow) == ["followups"])
    }
}
