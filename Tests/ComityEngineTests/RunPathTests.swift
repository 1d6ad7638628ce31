import ComityCore
@testable import ComityEngine
import ComitySQLite
import Foundation
import GRDB
import LuaBridge
import Synchronization
import Testing

/// A run goes through once: its script is read once (the hash recorded is of the bytes
/// that ran), its record is written once at its start and once at its end, and the
/// workspace's workflows are read from the stored catalog when nothing changed.
@Suite(.serialized) struct RunPathTests {
    let workspace: WorkflowWorkspace

    init() throws {
        workspace = try WorkflowWorkspace([
            "plain.lua": "#!/usr/bin/env comity\nprint('ran')\nreturn 1\n",
            "broken.lua": "orgs.create { name = 'Half' }\nerror('stop here')\n",
            "listener.lua": """
                return workflow { name = "listener", on = { "organisation.created" }, run = function(ctx) ctx.log("heard") end }
                """,
            "creates.lua": "orgs.create { name = 'Heard', country = 'DE' }\n",
        ])
        // Each write of the run history, in order, as the database saw it.
        let queue = try DatabaseQueue(path: workspace.folder.appendingPathComponent(".comity/comity.db").path)
        try queue.write { db in
            try db.execute(sql: """
                CREATE TABLE run_writes (n INTEGER PRIMARY KEY, run TEXT, outcome TEXT, content_hash TEXT);
                CREATE TRIGGER run_written AFTER INSERT ON runs BEGIN
                  INSERT INTO run_writes (run, outcome, content_hash) VALUES (new.id, new.outcome, new.content_hash);
                END;
                """)
        }
    }

    /// The outcomes of the writes of run `id`'s record, in order, and their hashes.
    func writes(of id: String) throws -> [(outcome: String, hash: String)] {
        let queue = try DatabaseQueue(path: workspace.folder.appendingPathComponent(".comity/comity.db").path)
        return try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT outcome, content_hash FROM run_writes WHERE run = ? ORDER BY n", arguments: [id])
                .map { (outcome: $0["outcome"], hash: $0["content_hash"]) }
        }
    }

    func hash(of file: String) throws -> String {
        ScriptRunner.contentHash(try Data(contentsOf: workspace.folder.appendingPathComponent(file)))
    }

    @Test func aScriptIsReadOnceAndItsRecordedHashIsOfItsBytesShebangIncluded() throws {
        var runner = workspace.runner()
        let reads = Mutex<[String]>([])
        runner.readScript = { path, shown throws(LuaError) in
            reads.withLock { $0.append(shown) }
            return try ScriptFile.contents(path, shownAs: shown)
        }
        var lines: [String] = []
        let run = runner.run(file: "Scripts/plain.lua") { lines.append($0) }
        #expect(run.succeeded, "\(run.outcome)")
        #expect(lines == ["ran"])
        #expect(reads.withLock { $0 } == ["Scripts/plain.lua"])
        #expect(run.record.contentHash == (try hash(of: "Scripts/plain.lua")))
        let stored = try #require(try workspace.store.read { try $0.run(id: run.id) })
        #expect(stored.contentHash == run.record.contentHash)
    }

    @Test func whatWasReadIsWhatRuns() throws {
        // The seam hands the run other bytes than the file's: those run, and are hashed.
        var runner = workspace.runner()
        let given = Data("print('given')\n".utf8)
        runner.readScript = { _, _ throws(LuaError) in given }
        var lines: [String] = []
        let run = runner.run(file: "Scripts/plain.lua") { lines.append($0) }
        #expect(lines == ["given"])
        #expect(run.record.contentHash == ScriptRunner.contentHash(given))
    }

    @Test func aMissingScriptFailsAfterItsStartIsRecordedWithNoHash() throws {
        let run = workspace.runner().run(file: "Scripts/nosuch.lua") { _ in }
        #expect(run.outcome.error?.message == "cannot open Scripts/nosuch.lua: no such file")
        #expect(try writes(of: run.id).map(\.outcome) == ["running", "failed"])
        #expect(try writes(of: run.id).map(\.hash) == ["", ""])
    }

    @Test func aRunsRecordIsWrittenOnceAtItsStartAndOnceAtItsEnd() throws {
        let plain = workspace.runner().run(file: "Scripts/plain.lua") { _ in }
        let hash = try hash(of: "Scripts/plain.lua")
        #expect(try writes(of: plain.id).map(\.outcome) == ["running", "succeeded"])
        #expect(try writes(of: plain.id).map(\.hash) == [hash, hash])

        let failed = workspace.runner().run(file: "Scripts/broken.lua") { _ in }
        #expect(!failed.succeeded)
        #expect(try writes(of: failed.id).map(\.outcome) == ["running", "failed"])

        var dry = workspace.runner()
        dry.dryRun = true
        let rolledBack = dry.run(file: "Scripts/creates.lua") { _ in }
        #expect(rolledBack.succeeded, "\(rolledBack.outcome)")
        #expect(try writes(of: rolledBack.id).map(\.outcome) == ["running", "succeeded"])
    }

    @Test func aQueuedRunsRecordIsWrittenWhenTakenAndAtItsEnd() throws {
        let (first, queued) = try workspace.run("creates.lua")
        #expect(first.succeeded, "\(first.outcome)")
        #expect(try writes(of: first.id).map(\.outcome) == ["running", "succeeded"])
        let heard = try #require(queued.first)
        #expect(heard.succeeded, "\(heard.outcome)")
        // Taken off the queue (running, not yet read), then ended with the hash of what ran.
        #expect(try writes(of: heard.id).map(\.outcome) == ["running", "succeeded"])
        #expect(try writes(of: heard.id).last?.hash == (try hash(of: "Scripts/listener.lua")))
    }

    @Test func theCatalogIsKeptForTheNextProcessAndReadAgainWhenAScriptChanges() throws {
        let api = APIRegistry.core
        func current() -> WorkflowCatalog {
            WorkflowCatalog.current(workspace: workspace.folder, schema: .standard, api: api, timeZone: .gmt)
        }
        let first = current()
        #expect(first.workflows.map(\.name) == ["listener"])
        let stored = WorkflowCatalog.storedCatalogFile(workspace.folder)
        #expect(FileManager.default.fileExists(atPath: stored.path))

        // A new process (nothing remembered) takes the stored catalog: shown here by
        // one that names a workflow no script declares, under the same signature.
        var text = try String(contentsOf: stored, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"listener\"", with: "\"from-the-store\"")
        try text.write(to: stored, atomically: true, encoding: .utf8)
        WorkflowCatalog.forgetRemembered()
        #expect(current().workflows.map(\.name) == ["from-the-store"])

        // A script changed: read again, and stored again.
        try workspace.write("listener.lua", """
            return workflow { name = "listener-2", on = { "organisation.created" }, run = function(ctx) end }
            """)
        WorkflowCatalog.forgetRemembered()
        #expect(current().workflows.map(\.name) == ["listener-2"])
        // A module a script may require is part of what the catalog depends on.
        let before = WorkflowCatalog.signature(workspace: workspace.folder, pluginWorkflows: [])
        try FileManager.default.createDirectory(at: workspace.folder.appendingPathComponent("Scripts/lib"), withIntermediateDirectories: true)
        try workspace.write("lib/names.lua", "return { name = 'x' }\n")
        #expect(WorkflowCatalog.signature(workspace: workspace.folder, pluginWorkflows: []) != before)
        WorkflowCatalog.forgetRemembered()
        #expect(current().workflows.map(\.name) == ["listener-2"])
    }

    @Test func aScriptsFolderLinkedToSomewhereHugeIsNotWalkedToItsEnd() throws {
        // Two loops, Scripts/a and Scripts/b -> Scripts: 2^16 paths to the depth walked.
        // The walk stops at its budget, and the catalog is read afresh each time.
        for name in ["a", "b"] {
            try FileManager.default.createSymbolicLink(atPath: workspace.folder.appendingPathComponent("Scripts/\(name)").path,
                                                       withDestinationPath: workspace.folder.appendingPathComponent("Scripts").path)
        }
        let one = WorkflowCatalog.signature(workspace: workspace.folder, pluginWorkflows: [])
        let two = WorkflowCatalog.signature(workspace: workspace.folder, pluginWorkflows: [])
        #expect(one != two)
        #expect(WorkflowCatalog.current(workspace: workspace.folder, schema: .standard, api: .core, timeZone: .gmt)
            .workflows.map(\.name) == ["listener"])
    }

    @Test func aCatalogWhoseReadHitALimitIsNotStored() throws {
                // Over the memory a declaration's read may take.
        try workspace.write("big.lua", "local s = string.rep('x', 64 << 20) return workflow { name = 'big', run = function() end }\n")
        WorkflowCatalog.forgetRemembered()
        let catalog = WorkflowCatalog.current(workspace: workspace.folder, schema: .standard, api: .core, timeZone: .gmt)
        #expect(catalog.workflows.first { $0.file == "Scripts/big.lua" }?.error != nil)
        #expect(!FileManager.default.fileExists(atPath: WorkflowCatalog.storedCatalogFile(workspace.folder).path))
    }

    @Test func onlyAScriptThatSaysWorkflowIsReadForADeclaration() {
        for yes in ["return workflow { }", "return workflow{}", "return workflow\n\t(", "x=1 workflow ("] {
            #expect(WorkflowCatalog.mentionsWorkflow(Data(yes.utf8)), "\(yes)")
        }
        for no in ["return 1", "myworkflow { }", "workflow_x { }", "workflows {", "workflow", "-- workflow"] {
            #expect(!WorkflowCatalog.mentionsWorkflow(Data(no.utf8)), "\(no)")
        }
    }
}
