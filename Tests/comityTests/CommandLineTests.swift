import Foundation
import Testing

/// The `comity` executable, run as a child process.
struct Comity {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static var executable: URL {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("comity")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/comity")
    }

    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Runs comity (or `binary`, a copy of it) in `folder`; `environment` is added to the
    /// test's own, and the variables named in `unsetting` are removed from it.
    static func run(_ arguments: [String], in folder: URL, input: String? = nil, environment: [String: String] = [:],
                    unsetting: [String] = [], binary: URL = executable) throws -> Result {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = folder
        if !environment.isEmpty || !unsetting.isEmpty {
            var merged = ProcessInfo.processInfo.environment.merging(environment) { _, given in given }
            for name in unsetting { merged[name] = nil }
            process.environment = merged
        }
        let out = folder.appendingPathComponent(".out-\(UUID().uuidString)")
        let err = folder.appendingPathComponent(".err-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: out)
            try? FileManager.default.removeItem(at: err)
        }
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        if let input {
            let file = folder.appendingPathComponent(".in-\(UUID().uuidString)")
            try input.write(to: file, atomically: true, encoding: .utf8)
            process.standardInput = try FileHandle(forReadingFrom: file)
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try process.run()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }
}

/// A workspace in a new temporary folder with `files` (a `comity.lua` of defaults unless
/// given one); with `configured: false`, a plain folder that is no workspace.
func workspace(_ files: [String: String], configured: Bool = true) throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("comity-cli-\(UUID().uuidString)")
    var files = files
    if configured && files["comity.lua"] == nil { files["comity.lua"] = "return {}" }
    for (name, text) in files {
        let url = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
}

@Suite struct CommandLineTests {
    @Test func versionAndHelp() throws {
        let folder = try workspace([:])
        let version = try Comity.run(["--version"], in: folder)
        #expect(version.status == 0)
        #expect(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
        let help = try Comity.run(["help", "run"], in: folder)
        #expect(help.status == 0)
        #expect(help.stdout.contains("--max-memory"))
        #expect(help.stdout.contains("--param"))
        let completion = try Comity.run(["--generate-completion-script", "bash"], in: folder)
        #expect(completion.status == 0)
        #expect(completion.stdout.contains("comity"))
    }

    /// The man pages are made from these texts as they are (generate-manual), where a
    /// blank line is an mdoc error ("Empty input line"): none has one, at any depth.
    @Test func noHelpTextHasABlankLineTheManualWouldCarry() throws {
        let dump = try Comity.run(["--experimental-dump-help"], in: try workspace([:]))
        let tool = try #require(try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any])
        var found: [String] = []
        var texts = 0
        func walk(_ command: [String: Any], _ path: String) {
            for key in ["abstract", "discussion"] {
                guard let text = command[key] as? String else { continue }
                texts += 1
                if text.contains("\n\n") { found.append("\(path) \(key)") }
            }
            for argument in command["arguments"] as? [[String: Any]] ?? [] {
                for key in ["abstract", "discussion"] {
                    guard let text = argument[key] as? String else { continue }
                    texts += 1
                    if text.contains("\n\n") { found.append("\(path) \(argument["valueName"] as? String ?? "?") \(key)") }
                }
            }
            for sub in command["subcommands"] as? [[String: Any]] ?? [] {
                walk(sub, path + " " + (sub["commandName"] as? String ?? "?"))
            }
        }
        walk(try #require(tool["command"] as? [String: Any]), "comity")
        #expect(texts > 100)
        #expect(found.isEmpty, "\(found)")
    }

    /// Each file's limit is named with its file, whether Lua could place it on a line
    /// (output, raised by the host) or not (memory that ran out in the allocator).
    @Test func aLimitHitNamesTheFileThatHitIt() throws {
        let folder = try workspace([
            "mem.lua": "local t = {}\nfor i = 1, 1e7 do t[i] = string.rep('x', 100) .. i end\n",
            "out.lua": "print('a')\nprint(string.rep('y', 5000))\n",
            "rep.lua": "local s = string.rep('z', 8 * 1024 * 1024)\n",
        ])
        let result = try Comity.run(["run", "mem.lua", "out.lua", "rep.lua", "--max-memory", "4MB", "--max-output", "1KB"], in: folder)
        #expect(result.status == 1)
        #expect(result.stderr.contains("mem.lua: memory limit exceeded (4 MB)"), "\(result.stderr)")
        #expect(result.stderr.contains("out.lua:2: output limit exceeded (1 KB)"), "\(result.stderr)")
        #expect(result.stderr.contains("rep.lua: memory limit exceeded (4 MB)"), "\(result.stderr)")
    }

    @Test func theShippedDemoRuns() throws {
        let result = try Comity.run(["run", "Scripts/roundtable.lua", "--param", "days=21"], in: Comity.packageRoot)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Applications: 200 received, 180 dismissed (90%), 20 accepted"))
        #expect(result.stdout.contains("1,300,000,000.00 RUB to 369 projects"))
        #expect(result.stdout.contains("due 2021-02-16 (21 days after)"))
    }

    @Test func eachFileIsItsOwnRunAndFailuresDoNotStopTheRest() throws {
        let folder = try workspace([
            "first.lua": "shared = 'from first' print('first ran')",
            "broken.lua": "print('never')\nlocal = 1",
            "crash.lua": "local t = nil\nprint(t.x)",
            "last.lua": "print('last ran', shared)",
        ])
        let result = try Comity.run(["run", "first.lua", "broken.lua", "crash.lua", "last.lua"], in: folder)
        #expect(result.status == 1)
        #expect(result.stdout == "first ran\nlast ran\tnil\n")
        #expect(result.stderr.contains("broken.lua:2: <name> expected near '='"))
        #expect(result.stderr.contains("crash.lua:2: attempt to index a nil value (local 't')"))
        #expect(result.stderr.contains("stack traceback:"))

        let stopped = try Comity.run(["run", "--fail-fast", "first.lua", "broken.lua", "last.lua"], in: folder)
        #expect(stopped.status == 1)
        #expect(stopped.stdout == "first ran\n")
    }

    @Test func limitsFromFlagsNameTheLimit() throws {
        let folder = try workspace([
            "spin.lua": "while true do end",
            "bomb.lua": "local t = {} for i = 1, 1e9 do t[i] = { i } end",
            "count.lua": "for i = 1, 1e7 do end",
            "chatty.lua": "for i = 1, 1000 do print(('x'):rep(99)) end",
            "ok.lua": "print('still fine')",
        ])
        let result = try Comity.run(
            ["run", "--timeout", "300ms", "--max-memory", "8MB", "spin.lua", "bomb.lua", "ok.lua"], in: folder)
        #expect(result.status == 1)
        #expect(result.stderr.contains("spin.lua:1: time limit exceeded (300ms)"))
        #expect(result.stderr.contains("memory limit exceeded (8 MB)"))
        #expect(result.stdout == "still fine\n")

        let counted = try Comity.run(["run", "--max-instructions", "100000", "count.lua"], in: folder)
        #expect(counted.stderr.contains("instruction limit exceeded (100000 instructions)"))
        let chatty = try Comity.run(["run", "--max-output", "1KB", "chatty.lua"], in: folder)
        #expect(chatty.stderr.contains("output limit exceeded (1 KB)"))
        #expect(chatty.stdout.split(separator: "\n").count == 10)
    }

    @Test func parametersReachTheScript() throws {
        let folder = try workspace([
            "params.lua": "print(params.days, params.name, params.empty == '')",
            "flow.lua": """
                return workflow {
                  name = "check",
                  params = { days = "integer", name = "string", empty = { type = "string", default = "x" } },
                  run = function(ctx) print(ctx.workflow, ctx.trigger.kind, ctx.params.days * 2) end,
                }
                """,
        ])
        let result = try Comity.run(
            ["run", "params.lua", "flow.lua", "--param", "days=14", "--param", "name=a=b", "--param", "empty="], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "14\ta=b\ttrue\ncheck\tmanual\t28\n")
    }

    @Test(arguments: [
        (["run", "x.lua", "--param", "days"], "--param 'days' must be key=value"),
        (["run", "x.lua", "--param", "=14"], "--param '=14' has no key before '='"),
        (["run", "x.lua", "--param", "a=1", "--param", "a=2"], "--param 'a' is given twice"),
        (["run", "x.lua", "--max-memory", "lots"], "--max-memory"),
        (["run", "x.lua", "--timeout", "soon"], "--timeout"),
        (["run"], "Missing expected argument"),
    ])
    func badArgumentsAreUsageErrors(arguments: [String], mention: String) throws {
        let folder = try workspace(["x.lua": "print('ran')"])
        let result = try Comity.run(arguments, in: folder)
        #expect(result.status == 64)
        #expect(result.stderr.contains(mention), "\(result.stderr)")
        #expect(!result.stdout.contains("ran"))
    }

    @Test func missingAndNonScriptFilesAreNamed() throws {
        let folder = try workspace(["ok.lua": "print('ok')"])
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("adir"), withIntermediateDirectories: true)
        try Data([0x1B, 0x4C, 0x75, 0x61, 0x54, 0x00]).write(to: folder.appendingPathComponent("binary.lua"))
        let result = try Comity.run(["run", "missing.lua", "adir", "binary.lua", "ok.lua"], in: folder)
        #expect(result.status == 1)
        #expect(result.stderr.contains("cannot open missing.lua: no such file"))
        #expect(result.stderr.contains("cannot open adir: it is a folder, not a script"))
        #expect(result.stderr.contains("binary.lua: precompiled Lua bytecode is refused"))
        #expect(result.stdout == "ok\n")
    }
}

@Suite struct APICommandTests {
    @Test func docsAndStubsComeFromTheRegistry() throws {
        let folder = try workspace([:])
        let docs = try Comity.run(["api", "docs"], in: folder)
        #expect(docs.status == 0)
        #expect(docs.stdout.hasPrefix("# Comity Lua API"))
        #expect(docs.stdout.contains("### `money(amount, currency)`"))
        let stubs = try Comity.run(["api", "stubs", "--out", "comity.d.lua"], in: folder)
        #expect(stubs.status == 0)
        let written = try String(contentsOf: folder.appendingPathComponent("comity.d.lua"), encoding: .utf8)
        #expect(written.contains("---@class Money"))
        // A missing folder is not made (a mistyped path left folders about); a place no
        // one may write (even root: /proc) is named.
        let nested = try Comity.run(["api", "stubs", "--out", "types/comity.d.lua"], in: folder)
        #expect(nested.status == 1 && nested.stderr.contains("cannot write types/comity.d.lua: no folder"), "\(nested.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("types").path))
        let export = try Comity.run(["export", "orgs", "--out", "/nonexistent-comity/x.csv"], in: folder)
        #expect(export.status == 1 && export.stderr.contains("cannot write /nonexistent-comity/x.csv: no folder /nonexistent-comity (make it first)"), "\(export.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "/nonexistent-comity"))
        let unwritable = try Comity.run(["api", "stubs", "--out", "/proc/comity/x.lua"], in: folder)
        #expect(unwritable.status != 0)
        #expect(unwritable.stderr.contains("cannot write /proc/comity/x.lua"))
    }

    /// What a workflow script is given and declares is in the stubs, from the registry:
    /// `ctx` (its class, and the type of `run`'s argument), `params`, `workflow` and `report`.
    @Test func stubsIncludeCtxParamsWorkflowAndReport() throws {
        let folder = try workspace([:])
        let stubs = try Comity.run(["api", "stubs"], in: folder)
        #expect(stubs.status == 0, "\(stubs.stderr)")
        let text = stubs.stdout
        #expect(text.contains("---@class Context\n"))
        #expect(text.contains("---@field trigger Trigger Why the run started."))
        #expect(text.contains("---@field once function `ctx.once(key, function() ... end)`"))
        #expect(text.contains("---@field run fun(ctx: Context): Report? `function(ctx) ... end`"))
        #expect(text.contains("---@type table\nparams = {}\n"))
        #expect(text.contains("---@class Workflow\n"))
        #expect(text.contains("---@field catch_up_window string? How far back"))
        #expect(text.contains("---@param declaration Workflow The workflow's fields.\n---@return Workflow # The same declaration, checked.\nfunction workflow(declaration) end"))
        #expect(text.contains("---@class Report\n"))
        #expect(text.contains("---@field sections ReportSection[] The sections, in order."))
        #expect(text.contains("function report(document) end"))
        #expect(text.contains("---@class WorkflowRetry\n"))
        #expect(text.contains("function clock.advance(by) end"))
        let docs = try Comity.run(["api", "docs"], in: folder)
        #expect(docs.stdout.contains("### `params` (`table`)"))
        #expect(docs.stdout.contains("## In specs (`*_spec.lua`)"))
        #expect(docs.stdout.contains("### `Workflow`"))
    }

    @Test func theRunsClockComesFromNow() throws {
        let folder = try workspace(["clock.lua": "print(time.now(), (time.now() + time.days(14)).date)"])
        let result = try Comity.run(["run", "--now", "2021-01-26T11:00:00+03:00", "clock.lua"], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "2021-01-26T08:00:00Z\t2021-02-09\n")
        let bad = try Comity.run(["run", "--now", "yesterday", "clock.lua"], in: folder)
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("invalid --now 'yesterday'"))
        // os.time and os.date follow the run's clock too; with a time given, they are Lua's.
        try "print(os.time(), os.date('!%Y-%m-%d %H:%M'), os.date('!%Y', 0), os.time { year = 2020, month = 1, day = 1, hour = 12 } > 0)"
            .write(to: folder.appendingPathComponent("os.lua"), atomically: true, encoding: .utf8)
        let os = try Comity.run(["run", "--now", "2021-01-26T11:00:00+03:00", "os.lua"], in: folder)
        #expect(os.stdout == "1611648000\t2021-01-26 08:00\t1970\ttrue\n", "\(os.stdout)\(os.stderr)")
        // There is no year 0000: refused, not read as 0001.
        let zero = try Comity.run(["run", "--now", "0000-01-01", "clock.lua"], in: folder)
        #expect(zero.status == 64)
        #expect(zero.stderr.contains("invalid --now '0000-01-01': there is no year 0000 (years start at 0001)"), "\(zero.stderr)")
        try "print(time.parse('0000-06-01'))".write(to: folder.appendingPathComponent("zero.lua"), atomically: true, encoding: .utf8)
        let parsed = try Comity.run(["run", "zero.lua"], in: folder)
        #expect(parsed.stderr.contains("zero.lua:1: invalid time '0000-06-01': there is no year 0000"), "\(parsed.stderr)")
    }
}

@Suite struct WorkspaceCommandTests {
    @Test func initThenTheSeedWorldAndItsReport() throws {
        let parent = try workspace([:], configured: false)
        let made = try Comity.run(["init", "network"], in: parent)
        #expect(made.status == 0, "\(made.stderr)")
        #expect(made.stdout.contains("comity.lua"))
        let folder = parent.appendingPathComponent("network")
        // The shipped workflows, reports and specs are there to edit; the demo is not;
        // the lock taken while the database was made is gone.
        for name in ["seed-world.lua", "report.lua", "lib/format.lua", "intake.lua", "reports/grants-by-funder.lua", "intake_spec.lua"] {
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("Scripts/\(name)").path), "\(name)")
        }
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("Scripts/demo").path))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent(".comity/comity.db.migrating").path))
        let first = try Comity.run(["run", "Scripts/seed-world.lua", "Scripts/report.lua"], in: folder)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("Presidential Grants Foundation: 1,300,000,000.00 RUB in 369 grants"))
        #expect(first.stdout.contains("Applications: 50 received, 45 dismissed (90%)"))
        #expect(first.stdout.contains("open task: Prepare the report summarising the key talking points"))
        // Again, from a subfolder: the workspace is found upwards, and nothing changes.
        let sub = folder.appendingPathComponent("Scripts")
        let again = try Comity.run(["run", "--dry-run", "seed-world.lua"], in: sub)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout == "dry run of Scripts/seed-world.lua: no changes\n") // named from the workspace
        let twice = try Comity.run(["init", "network"], in: parent)
        #expect(twice.status == 0, "\(twice.stderr)") // resumable: nothing was missing, nothing changed
        #expect(twice.stdout.contains("nothing was missing"), "\(twice.stdout)")
        // The README's commands work in it as written, specs included.
        let report = try Comity.run(["report", "grants-by-funder"], in: folder)
        #expect(report.stdout.contains("369 projects, 1,300,000,000.00 RUB"), "\(report.stdout)\(report.stderr)")
        let specs = try Comity.run(["test"], in: folder)
        #expect(specs.status == 0, "\(specs.stdout)\(specs.stderr)")
        #expect(specs.stdout.contains("0 failed"), "\(specs.stdout)")
        let intake = try Comity.run(["run", "Scripts/intake.lua"], in: folder)
        #expect(intake.status == 0, "\(intake.stderr)")
    }

    @Test func initBareLeavesScriptsEmpty() throws {
        let parent = try workspace([:], configured: false)
        let made = try Comity.run(["init", "--bare", "empty"], in: parent)
        #expect(made.status == 0, "\(made.stderr)")
        let scripts = try FileManager.default.contentsOfDirectory(atPath: parent.appendingPathComponent("empty/Scripts").path)
        #expect(scripts.isEmpty, "\(scripts)")
    }

    /// SQLite called a folder "read-only" and /dev/null "full or failing".
    @Test func aDatabaseThatIsAFolderOrADeviceIsNamedSo() throws {
        let folder = try workspace(["comity.lua": "return { database = 'data' }", "x.lua": "print(1)", "data/keep.txt": "mine"])
        let dir = try Comity.run(["run", "x.lua"], in: folder)
        #expect(dir.status == 1)
        #expect(dir.stderr.contains("data is a folder; an SQLite database is a file (database in comity.lua)"), "\(dir.stderr)")
        // Named as the option that gave it, not as comity.lua's setting.
        let other = try workspace(["comity.lua": "return {}", "data/keep.txt": "mine"])
        let copy = try Comity.run(["store", "copy", "--to", "data"], in: other)
        #expect(copy.status == 1)
        #expect(copy.stderr.contains("--to data: "), "\(copy.stderr)")
        #expect(copy.stderr.contains("data is a folder; an SQLite database is a file"), "\(copy.stderr)")
        #expect(!copy.stderr.contains("comity.lua") && !copy.stderr.contains("--database"), "\(copy.stderr)")
        let device = try Comity.run(["run", "--database", "/dev/null", "x.lua"], in: folder)
        #expect(device.status == 1)
        #expect(device.stderr.contains("/dev/null is not a regular file (a device or a pipe)"), "\(device.stderr)")
        #expect(try String(contentsOf: folder.appendingPathComponent("data/keep.txt"), encoding: .utf8) == "mine")
    }

    /// As git does: outside a workspace, a command that needs the database says so
    /// instead of making ./.comity/comity.db.
    @Test func outsideAWorkspaceCommandsThatNeedTheDatabaseSaySo() throws {
        let folder = try workspace(["a.lua": "print(orgs.count())"], configured: false)
        let run = try Comity.run(["run", "a.lua"], in: folder)
        #expect(run.status == 1)
        #expect(run.stderr.contains("not a Comity workspace (no comity.lua here or above); run 'comity init' or pass --database"), "\(run.stderr)")
        let runs = try Comity.run(["runs"], in: folder)
        #expect(runs.stderr.contains("not a Comity workspace (no comity.lua here or above); run 'comity init' first"), "\(runs.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent(".comity").path))
        let given = try Comity.run(["run", "--database", "elsewhere.db", "a.lua"], in: folder)
        #expect(given.status == 0, "\(given.stderr)")
        #expect(given.stdout == "0\n")
        // What needs no database works anywhere.
        #expect(try Comity.run(["api", "--help"], in: folder).status == 0)
    }

    @Test func helpForAnUnknownCommandIsAUsageError() throws {
        let folder = try workspace([:])
        let unknown = try Comity.run(["help", "nosuch"], in: folder)
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("comity has no command 'nosuch' (commands: init, run,"), "\(unknown.stderr)")
        let near = try Comity.run(["help", "schedule", "lis"], in: folder)
        #expect(near.status == 64)
        #expect(near.stderr.contains("comity schedule has no command 'lis' (did you mean 'list'?)"), "\(near.stderr)")
        let known = try Comity.run(["help", "schedule", "list"], in: folder)
        #expect(known.status == 0)
        #expect(known.stdout.contains("OVERVIEW: Each scheduled workflow"))
    }

    @Test func settingsMistakesNameTheFileAndTheSetting() throws {
        let cases: [(String, String)] = [
            ("return { time_zon = 'UTC' }", "comity.lua: unknown setting 'time_zon' (did you mean 'time_zone'?)"),
            ("return { time_zone = 'Mars/Olympus' }", "comity.lua: time_zone 'Mars/Olympus' is not a known zone"),
            ("return { custom_fields = { grant = { risk = 'colour' } } }",
             "comity.lua: custom_fields.grant.risk: type must be one of string, integer, decimal, boolean, date, money, choice, list (got 'colour')"),
            ("return { custom_fields = { grants = {} } }", "comity.lua: custom_fields.grants: not a record type"),
            ("return 42", "comity.lua: must return a table of settings"),
            ("return {", "comity.lua:1: unexpected symbol near <eof>"),
        ]
        for (settings, message) in cases {
            let folder = try workspace(["comity.lua": settings, "x.lua": "print('ran')"])
            let result = try Comity.run(["run", "x.lua"], in: folder)
            #expect(result.status == 1)
            #expect(result.stderr.contains(message), "\(result.stderr)")
            #expect(!result.stdout.contains("ran"))
        }
    }

    @Test func customFieldsFromTheSettingsWork() throws {
        let folder = try workspace([
            "comity.lua": """
                return { time_zone = "Europe/Moscow",
                         custom_fields = { organisation = { cooperates_internationally = { type = "boolean", doc = "ASI study" } } } }
                """,
            "x.lua": """
                local o = orgs.create { name = "ASI", cooperates_internationally = true }
                print(o.cooperates_internationally, orgs.count { cooperates_internationally = true }, time.parse("2021-01-26T11:00").hour)
                """,
        ])
        let result = try Comity.run(["run", "x.lua"], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "true\t1\t11\n")
        let stubs = try Comity.run(["api", "stubs"], in: folder)
        #expect(stubs.stdout.contains("---@class Organisation"))
        #expect(stubs.stdout.contains("---@field cooperates_internationally boolean ASI study (custom field)"))
    }
}

@Suite struct ReadOnlyDatabaseTests {
    /// CI runs as root, which writes through permission bits; the immutable attribute
    /// (chattr +i) stops root too, so it stands in for a read-only disk.
    @Test func aReadOnlyDatabaseIsNamedAndLeftIntact() throws {
        let folder = try workspace(["add.lua": "orgs.create { name = 'Agency for Social Information' }",
                                    "count.lua": "print(orgs.count())"], configured: false)
        #expect(try Comity.run(["init", "."], in: folder).status == 0)
        #expect(try Comity.run(["run", "add.lua"], in: folder).status == 0)
        let database = folder.appendingPathComponent(".comity/comity.db").path
        func chattr(_ flag: String) throws -> Int32 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/chattr")
            process.arguments = [flag, database]
            try process.run()
            process.waitUntilExit()
            return process.terminationStatus
        }
        #expect(try chattr("+i") == 0, "chattr +i must work on the test machine's temporary folder")
        defer { _ = try? chattr("-i") }
        let refused = try Comity.run(["run", "add.lua"], in: folder)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("cannot be written (read-only file or folder, or no permission); nothing was changed"),
                "\(refused.stderr)")
        #expect(try chattr("-i") == 0)
        let count = try Comity.run(["run", "count.lua"], in: folder)
        #expect(count.stdout == "1\n", "\(count.stderr)")
    }
}
