import Foundation
import Testing

/// Output that cannot be written, as coreutils treat it: a failed write of standard
/// output is an error (non-zero status, not 64, and `write error: ...` on standard
/// error), and no failed write, of standard output, standard error or a file, traps.
/// Through real child processes, with /dev/full and closed descriptors.
@Suite struct OutputFailureTests {
    /// `sh -c SCRIPT` in `folder`, with `$COMITY` the executable.
    func shell(_ script: String, in folder: URL) throws -> Comity.Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        process.currentDirectoryURL = folder
        process.environment = ProcessInfo.processInfo.environment.merging(["COMITY": Comity.executable.path]) { $1 }
        let out = folder.appendingPathComponent(".out-\(UUID().uuidString)"), err = folder.appendingPathComponent(".err-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: out)
            try? FileManager.default.removeItem(at: err)
        }
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return Comity.Result(status: process.terminationStatus,
                             stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                             stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }

    func folder() throws -> URL {
        let folder = try workspace([
            "comity.lua": "return {}",
            "boom.lua": "error('boom')",
            "hello.lua": "print('hello')",
            "make.lua": "orgs.create { name = 'ASI', country = 'RU' }",
        ])
        #expect(try Comity.run(["run", "make.lua"], in: folder).status == 0)
        return folder
    }

    @Test func standardErrorFullOrClosedNeverTraps() throws {
        let folder = try folder()
        for redirect in ["2>/dev/full", "2>&-"] {
            let run = try shell(#""$COMITY" run boom.lua \#(redirect)"#, in: folder)
            #expect(run.status == 1, "\(redirect): \(run.status)") // a failed run, not SIGILL (132)
            let usage = try shell(#""$COMITY" run --no-such-option \#(redirect)"#, in: folder)
            #expect(usage.status == 64, "\(redirect): \(usage.status)")
        }
    }

    @Test func aFailedWriteOfStandardOutputIsAnErrorForEveryCommand() throws {
        let folder = try folder()
        let commands = [
            "run hello.lua", "export orgs", "export orgs --format json", "runs", "runs --json", "workflows",
            "outbox", "schedule list", "queue status", "plugins list", "api docs", "api stubs", "--help", "--version",
            "help run", "schedule explain '0 8 * * *'", "--generate-completion-script bash",
        ]
        for command in commands {
            let full = try shell(#""$COMITY" \#(command) >/dev/full"#, in: folder)
            #expect(full.status != 0 && full.status != 64 && full.status < 128, "\(command) > /dev/full: status \(full.status)")
            #expect(full.stderr.contains("write error: No space left on device"), "\(command) > /dev/full: \(full.stderr)")
            let closed = try shell(#""$COMITY" \#(command) >&-"#, in: folder)
            #expect(closed.status != 0 && closed.status != 64 && closed.status < 128, "\(command) >&-: status \(closed.status)")
            #expect(closed.stderr.contains("write error: Bad file descriptor"), "\(command) >&-: \(closed.stderr)")
        }
        // Both closed: nothing to say it on, and still no trap.
        #expect(try shell(#""$COMITY" run hello.lua >&- 2>&-"#, in: folder).status == 1)
    }

    @Test func aFileNamedByOutThatCannotBeWrittenIsAnErrorNotAUsageError() throws {
        let folder = try folder()
        // A link to /dev/full, never /dev/full itself: a comity that writes files by
        // renaming a temporary over them would replace the device when run as root.
        try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent("full.csv").path, withDestinationPath: "/dev/full")
        let full = try shell(#""$COMITY" export orgs --out full.csv"#, in: folder)
        #expect(full.status == 1, "\(full.status)")
        #expect(full.stderr.contains("error: cannot write full.csv: No space left on device"), "\(full.stderr)")
        let report = try shell(#""$COMITY" api docs --out full.csv"#, in: folder)
        #expect(report.status == 1 && report.stderr.contains("No space left on device"), "\(report.stderr)")
        // A file is written whole or not at all, and a closed standard output does not
        // let it take descriptor 1.
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("out"), withIntermediateDirectories: true)
        let written = try shell(#""$COMITY" export orgs --out out/orgs.csv >&-"#, in: folder)
        #expect(written.status == 0, "\(written.stderr)")
        let text = try String(contentsOf: folder.appendingPathComponent("out/orgs.csv"), encoding: .utf8)
        #expect(text.hasPrefix("id,name,") && text.contains("1,ASI,"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("out").path) == ["orgs.csv"])
    }

    @Test func aRunsPrintToAFullDiskFailsTheCommandAndTheOutputStaysInOrder() throws {
        let folder = try folder()
        let full = try shell(#""$COMITY" run hello.lua > /dev/full"#, in: folder)
        #expect(full.status == 1)
        #expect(full.stderr == "comity: write error: No space left on device\n", "\(full.stderr)")
        let fine = try shell(#""$COMITY" run hello.lua boom.lua hello.lua 2>&1"#, in: folder)
        #expect(fine.status == 1)
        #expect(fine.stdout.hasPrefix("hello\nboom.lua:1: boom\n"), "\(fine.stdout)")
        #expect(fine.stdout.hasSuffix("hello\n"), "\(fine.stdout)")
    }
}
