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
}
