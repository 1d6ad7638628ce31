// Instruction counts for the create benchmark, for `valgrind --tool=callgrind` (see
// callgrind-ratios.sh), which counts instructions instead of timing them and so is
// not disturbed by other load:
//   CreateProbe lua|grdb|grdb-audit N   creates N organisations in a fresh database.
// `lua` is one run of `orgs.create` in a loop; `grdb` and `grdb-audit` the benchmark's
// baselines (CreateBaseline): the same rows inserted through GRDB from Swift, without
// and with an audit row each.
import Comity
import CreateBaseline
import Foundation

let arguments = CommandLine.arguments
guard arguments.count == 3, let count = Int(arguments[2]), ["lua", "grdb", "grdb-audit"].contains(arguments[1]) else {
    print("usage: CreateProbe lua|grdb|grdb-audit COUNT")
    exit(64)
}

let folder = FileManager.default.temporaryDirectory.appendingPathComponent("comity-probe-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: folder) }
let path = folder.appendingPathComponent("comity.db").path
let store = try SQLiteStore(path: path) // migrates: every mode writes the same schema

if arguments[1] == "lua" {
    let file = folder.appendingPathComponent("create.lua")
    try """
        for i = 1, \(count) do
          orgs.create { name = "Organisation " .. i, kind = "national_ngo", country = "RU" }
        end
        """.write(to: file, atomically: true, encoding: .utf8)
    var limits = LuaLimits.default
    limits.time = .seconds(3600)
    limits.memory = 512 << 20
    let run = ScriptRunner(workspace: folder, limits: limits, now: Timestamp(secondsSince1970: 1_611_648_000), store: store)
        .run(file: file.path) { _ in }
    if let error = run.outcome.error {
        print("run failed: \(error.message)")
        exit(1)
    }
} else {
    try insertOrganisationRows(path: path, count: count, withAudit: arguments[1] == "grdb-audit")
}
print("created \(count)")
