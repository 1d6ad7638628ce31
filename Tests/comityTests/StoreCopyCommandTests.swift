import Foundation
import Testing

@Suite(.enabled(if: TestPostgres.isAvailable, "needs the PostgreSQL server of `make test` (Tests/with-postgres)"))
struct StoreCopyCommandTests {
    /// The seed world copied from SQLite to PostgreSQL and back: every export the same.
    @Test func aWorkspaceCopiedToPostgreSQLAndBackExportsTheSame() throws {
        let url = try TestPostgres.newDatabase()
        let folder = try workspace([:])
        #expect(try Comity.run(["init", "."], in: folder).status == 0)
        let seeded = try Comity.run(["run", "Scripts/seed-world.lua"], in: folder)
        #expect(seeded.status == 0, "\(seeded.stderr)")
        let copied = try Comity.run(["store", "copy", "--to", url], in: folder)
        #expect(copied.status == 0, "\(copied.stderr)")
        #expect(copied.stdout.contains("grants: 369") && copied.stdout.contains("grants.amount_awarded: 1,300,000,000.00 RUB"), "\(copied.stdout)")
        // Not into a store that holds anything: refused, and nothing changed.
        let again = try Comity.run(["store", "copy", "--to", url], in: folder)
        #expect(again.status == 1 && again.stderr.contains("the target is not empty"), "\(again.stderr)")
        #expect(try TestPostgres.number(url, "SELECT count(*) FROM grants") == 369)

        // The PostgreSQL workspace, and a copy of it back into a new SQLite file.
        let onPostgres = try workspace(["comity.lua": "return { store = { postgres = \"\(url)\" } }"])
        let back = try Comity.run(["store", "copy", "--to", "back.db"], in: onPostgres)
        #expect(back.status == 0, "\(back.stderr)")
        let onSQLite = try workspace(["comity.lua": "return { database = \"\(onPostgres.appendingPathComponent("back.db").path)\" }"])
        for kind in ["organisations", "people", "grants", "partnerships", "events", "applications", "tasks"] {
            for format in ["json", "csv"] {
                let original = try Comity.run(["export", kind, "--format", format], in: folder)
                #expect(original.status == 0 && !original.stdout.isEmpty, "\(original.stderr)")
                #expect(try Comity.run(["export", kind, "--format", format], in: onPostgres).stdout == original.stdout, "\(kind) \(format) on PostgreSQL")
                #expect(try Comity.run(["export", kind, "--format", format], in: onSQLite).stdout == original.stdout, "\(kind) \(format) back on SQLite")
            }
        }
        // The history came along too.
        let runs = try Comity.run(["runs", "--json"], in: onSQLite)
        #expect(runs.stdout.contains("seed-world"), "\(runs.stdout)")
    }
}
