import Foundation
import Testing

/// What `comity init` ships works in the workspace it makes: the scripts pass
/// `comity check` and run, the README's runnable examples run as written, and an init
/// that failed can be finished.
@Suite struct FreshWorkspaceTests {
    func initialised() throws -> URL {
        let parent = try workspace([:], configured: false)
        let made = try Comity.run(["init", "network"], in: parent)
        #expect(made.status == 0, "\(made.stderr)")
        return parent.appendingPathComponent("network")
    }

    @Test func theShippedScriptsPassCheckAndRunInAFreshWorkspace() throws {
        let folder = try initialised()
        // What the shell makes of `comity check Scripts/*.lua`.
        let scripts = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("Scripts").path)
            .filter { $0.hasSuffix(".lua") }.sorted().map { "Scripts/" + $0 }
        #expect(scripts.contains("Scripts/seed-world.lua"))
        let checked = try Comity.run(["check"] + scripts, in: folder)
        #expect(checked.status == 0, "\(checked.stdout)\(checked.stderr)")
        let seeded = try Comity.run(["run", "Scripts/seed-world.lua"], in: folder)
        #expect(seeded.status == 0, "\(seeded.stderr)")
        let surveyed = try Comity.run(["report", "international-cooperation"], in: folder)
        #expect(surveyed.status == 0, "\(surveyed.stdout)\(surveyed.stderr)")
        #expect(!surveyed.stdout.contains("needs the custom fields"), "\(surveyed.stdout)")
    }

    /// The README's ```lua blocks after a `<!-- runnable -->` line run as written after
    /// the seed, and leave no second copy of an organisation the seed made.
    @Test func theREADMEsRunnableExamplesRunAfterTheSeed() throws {
        let readme = try String(contentsOf: Comity.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        var blocks: [String] = []
        var current: [String]?
        var marked = false
        for line in readme.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if var open = current {
                if line.hasPrefix("```") { blocks.append(open.joined(separator: "\n")); current = nil } else { open.append(line); current = open }
            } else if line.trimmingCharacters(in: .whitespaces) == "<!-- runnable -->" {
                marked = true
            } else if marked, line.hasPrefix("```lua") {
                current = []
                marked = false
            } else if !line.trimmingCharacters(in: .whitespaces).isEmpty {
                marked = false
            }
        }
        #expect(!blocks.isEmpty)
        #expect(blocks.contains { $0.contains("grants.award(g") }, "the Lua API's example is marked runnable")
        let folder = try initialised()
        #expect(try Comity.run(["run", "Scripts/seed-world.lua"], in: folder).status == 0)
        for (number, block) in blocks.enumerated() {
            let name = "readme-\(number + 1).lua"
            try block.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
            let ran = try Comity.run(["run", name], in: folder)
            #expect(ran.status == 0, "\(name):\n\(block)\n\(ran.stderr)")
        }
        try "print(orgs.count { name = 'Agency for Social Information' })".write(
            to: folder.appendingPathComponent("asi.lua"), atomically: true, encoding: .utf8)
        #expect(try Comity.run(["run", "asi.lua"], in: folder).stdout == "1\n")
    }

    /// The binary copied where no shipped scripts are found, run with or without COMITY_SHARE.
    func runAlone(_ arguments: [String], in folder: URL, share: String?) throws -> Comity.Result {
        let bin = FileManager.default.temporaryDirectory.appendingPathComponent("comity-alone-\(UUID().uuidString)/bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let copy = bin.appendingPathComponent("comity")
        try FileManager.default.copyItem(at: Comity.executable, to: copy)
        defer { try? FileManager.default.removeItem(at: bin.deletingLastPathComponent()) }
        if let share {
            return try Comity.run(arguments, in: folder, environment: ["COMITY_SHARE": share], binary: copy)
        }
        return try Comity.run(arguments, in: folder, unsetting: ["COMITY_SHARE"], binary: copy)
    }

    @Test func anInitThatFindsNoShippedScriptsLeavesNothingAndCanBeRunAgain() throws {
        let parent = try workspace([:], configured: false)
        let failed = try runAlone(["init", "network"], in: parent, share: nil)
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("error: found no shipped scripts to copy, so made nothing (set COMITY_SHARE"), "\(failed.stderr)")
        #expect(!FileManager.default.fileExists(atPath: parent.appendingPathComponent("network").path))
        let made = try runAlone(["init", "network"], in: parent, share: Comity.packageRoot.path)
        #expect(made.status == 0, "\(made.stderr)")
        #expect(FileManager.default.fileExists(atPath: parent.appendingPathComponent("network/Scripts/seed-world.lua").path))
    }

    /// Found by the shell on the PATH, its argv[0] a bare `comity`: the shipped scripts
    /// are still found, from the binary's own path (found: none were).
    @Test func anInitOfABinaryFoundOnThePathFindsTheShippedScripts() throws {
        let parent = try workspace([:], configured: false)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "exec comity init network"]
        process.currentDirectoryURL = parent
        var environment = ProcessInfo.processInfo.environment
        environment["COMITY_SHARE"] = nil
        environment["PATH"] = Comity.executable.deletingLastPathComponent().path + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        process.environment = environment
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(stderr)")
        #expect(FileManager.default.fileExists(atPath: parent.appendingPathComponent("network/Scripts/seed-world.lua").path), "\(stderr)")
    }

    /// Run again in a workspace, init adds what is missing and overwrites nothing.
    @Test func initAgainAddsWhatIsMissingAndKeepsWhatIsThere() throws {
        let folder = try initialised()
        let settings = folder.appendingPathComponent("comity.lua")
        try "return { time_zone = 'Europe/Moscow' }\n".write(to: settings, atomically: true, encoding: .utf8)
        let intake = folder.appendingPathComponent("Scripts/intake.lua")
        try "print('mine')\n".write(to: intake, atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(at: folder.appendingPathComponent("Scripts/seed-world.lua"))
        try FileManager.default.removeItem(at: folder.appendingPathComponent("inbox"))
        let again = try Comity.run(["init", "."], in: folder)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("inbox/"), "\(again.stdout)")
        #expect(!again.stdout.contains("comity.lua"), "\(again.stdout)")
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("Scripts/seed-world.lua").path))
        #expect(try String(contentsOf: settings, encoding: .utf8) == "return { time_zone = 'Europe/Moscow' }\n")
        #expect(try String(contentsOf: intake, encoding: .utf8) == "print('mine')\n")
        let complete = try Comity.run(["init", "."], in: folder)
        #expect(complete.status == 0, "\(complete.stderr)")
        #expect(complete.stdout.contains("a complete workspace already; nothing was missing"), "\(complete.stdout)")
    }
}
