// Instruction counts for the create benchmark, for `valgrind --tool=callgrind` (see
// callgrind-create.sh), which counts instructions instead of timing them and so is
// not disturbed by other load:
//   CreateProbe lua|grdb|grdb-audit|grdb-cache N   creates N organisations in a fresh database.
// `lua` is one run of `orgs.create` in a loop; `grdb` the same rows inserted through
// GRDB from Swift (the benchmark's baseline); `grdb-audit` those rows and an audit row each.
import Comity
import Foundation
import GRDB

let arguments = CommandLine.arguments
guard arguments.count == 3, let count = Int(arguments[2]), ["lua", "grdb", "grdb-audit", "grdb-cache"].contains(arguments[1]) else {
    print("usage: CreateProbe lua|grdb|grdb-audit|grdb-cache COUNT")
    exit(64)
}

let folder = FileManager.default.temporaryDirectory.appendingPathComponent("comity-probe-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: folder) }
let path = folder.appendingPathComponent("comity.db").path
let store = try SQLiteStore(path: path) // migrates: every mode writes the same schema
let at = 1_611_648_000

switch arguments[1] {
case "lua":
    let file = folder.appendingPathComponent("create.lua")
    try """
        for i = 1, \(count) do
          orgs.create { name = "Organisation " .. i, kind = "national_ngo", country = "RU" }
        end
        """.write(to: file, atomically: true, encoding: .utf8)
    var limits = LuaLimits.default
    limits.time = .seconds(3600)
    limits.memory = 512 << 20
    let run = ScriptRunner(workspace: folder, limits: limits, now: Timestamp(secondsSince1970: Int64(at)), store: store)
        .run(file: file.path) { _ in }
    if let error = run.outcome.error {
        print("run failed: \(error.message)")
        exit(1)
    }
default:
    let withAudit = arguments[1] == "grdb-audit"
    let queue = try DatabaseQueue(path: path)
    try queue.write { db in
        if arguments[1] == "grdb-cache" { try db.execute(sql: "PRAGMA cache_size = -65536") }
        let insert = try db.makeStatement(sql: """
            INSERT INTO organisations (name, kind, country, custom, created_at, updated_at)
            VALUES (?, ?, ?, '{}', ?, ?)
            """)
        let audit = try db.makeStatement(sql: """
            INSERT INTO audit (run, at, record_type, record_id, action, field, old_value, new_value)
            VALUES ('probe', ?, 'organisation', ?, 'create', NULL, NULL, ?)
            """)
        for i in 0..<count {
            try insert.execute(arguments: ["Organisation \(i + 1)", "national_ngo", "RU", at, at])
            if withAudit {
                try audit.execute(arguments: [at, db.lastInsertedRowID,
                                              "{\"country\":\"RU\",\"kind\":\"national_ngo\",\"name\":\"Organisation \(i + 1)\"}"])
            }
        }
    }
}
print("created \(count)")
