import Foundation
import Testing

/// Every place a duration is read refuses one longer than ten years with the place
/// named: such a duration once crashed every command (the milliseconds overflowed),
/// and one in a workflow file made a worker crash again each time it restarted.
@Suite struct DurationInputTests {
    static let workflow = """
        return workflow { name = "w", on = "grant.approved", run = function(ctx) end }
        """

    /// The command exits with an error that says what is wrong and where, not a crash.
    static func expectRefused(_ result: Comity.Result, naming place: String, _ comment: String) {
        #expect(result.status != 0, "\(comment)")
        #expect(result.status < 128, "\(comment): it crashed (\(result.status))")
        #expect(!result.stderr.contains("Fatal error"), "\(comment): \(result.stderr)")
        #expect(result.stderr.contains(place), "\(comment): \(result.stderr)")
        #expect(result.stderr.contains("longer than the longest duration Comity takes (3650d"), "\(comment): \(result.stderr)")
    }

    @Test(arguments: [
        (["run", "--timeout", "1e300s", "Scripts/w.lua"], "--timeout"),
        (["worker", "start", "--poll", "99999999999999d"], "--poll"),
        (["worker", "start", "--lease", "1e300s"], "--lease"),
        (["worker", "start", "--grace", "1e20"], "--grace"),
        (["worker", "status", "--lease", "1e300s"], "--lease"),
        (["daemon", "--grace", "99999999999999d"], "--grace"),
    ])
    func optionsNameTheOptionAndTheReason(arguments: [String], option: String) throws {
        let folder = try workspace(["Scripts/w.lua": Self.workflow])
        Self.expectRefused(try Comity.run(arguments, in: folder), naming: "'\(option) <duration>'", arguments.joined(separator: " "))
    }

    @Test(arguments: [
        ("limits = { timeout = \"1e300s\" }", "limits.timeout '1e300s'"),
        ("schedule = \"0 9 * * *\", catch_up_window = \"99999999999999d\"", "catch_up_window '99999999999999d'"),
        ("retry = { attempts = 3, delay = \"1e300s\" }", "delay '1e300s'"),
    ])
    func workflowFieldsNameTheFileAndTheField(field: String, named: String) throws {
        let script = "return workflow { name = \"w\", \(field), run = function(ctx) end }"
        let folder = try workspace(["Scripts/w.lua": script])
        let run = try Comity.run(["run", "Scripts/w.lua"], in: folder)
        Self.expectRefused(run, naming: named, field)
        #expect(run.stderr.contains("w.lua"), "\(run.stderr)")
        // The catalog lists the script with its error, and the other commands go on.
        let listed = try Comity.run(["workflows"], in: folder)
        #expect(listed.status < 128 && (listed.stdout + listed.stderr).contains(named), "\(listed.stdout)\(listed.stderr)")
    }

    @Test(arguments: [
        ("mail = { from = \"n@example.org\", timeout = \"1e300s\" }", "mail.timeout '1e300s'"),
        ("scheduling = { lease_margin = \"99999999999999d\" }", "scheduling.lease_margin '99999999999999d'"),
        ("lock_timeout = \"1e300s\"", "lock_timeout '1e300s'"),
    ])
    func settingsNameTheSetting(setting: String, named: String) throws {
        let folder = try workspace(["comity.lua": "return { \(setting) }", "Scripts/w.lua": Self.workflow])
        let result = try Comity.run(["runs"], in: folder)
        #expect(result.status != 0 && result.status < 128, "\(result.stderr)")
        #expect(result.stderr.contains("comity.lua") && result.stderr.contains(named), "\(result.stderr)")
    }
}
