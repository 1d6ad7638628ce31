import ComityCore
import ComityEngine
import ComitySQLite
import Foundation
import Testing

/// A Lua `find` loop visits the rows that matched when `find` was called, each once,
/// with their values then, whatever the loop writes (issue 14).
@Suite struct FindSnapshotTests {
    static let three = """
        for _, name in ipairs { "A", "B", "C" } do orgs.create { name = name, country = "RU" } end
        """

    @Test func anUpdateThatMovesTheRowInTheOrderMovesEachTaskOnce() throws {
        let workspace = try RecordWorkspace()
        let lines = Lines()
        let run = try workspace.run("""
            for i = 1, 3 do tasks.create { title = "Task " .. i, due = time.now() + time.days(i) } end
            local feb1 = time.now() + time.days(60) -- a moved task still matches
            local visits = 0
            for t in tasks.find { due_before = feb1, order_by = "due" } do
              visits = visits + 1
              tasks.update(t, { due = t.due + time.days(7) })
            end
            print(visits, tasks.count { due_after = time.now() + time.days(7), due_before = time.now() + time.days(11) })
            """, lines: lines)
        #expect(run.succeeded, "\(run.outcome.error?.message ?? "")")
        #expect(lines.all == ["3\t3"])
    }

    @Test func creatingWhatMatchesInsideTheLoopEnds() throws {
        let workspace = try RecordWorkspace()
        let lines = Lines()
        let run = try workspace.run(Self.three + """

            local visits = 0
            for o in orgs.find {} do
              visits = visits + 1
              orgs.create { name = o.name .. " again", country = "RU" }
            end
            print(visits, orgs.count())
            """, lines: lines)
        #expect(run.succeeded, "\(run.outcome.error?.message ?? "")")
        #expect(lines.all == ["3\t6"])
    }

    @Test func rowsArchivedOrRenamedByTheLoopAreVisitedAsOfTheCall() throws {
        let workspace = try RecordWorkspace()
        let lines = Lines()
        let run = try workspace.run(Self.three + """

            local seen = {}
            for o in orgs.find { order_by = "name" } do
              seen[#seen + 1] = o.name
              if o.name == "A" then
                for p in orgs.find { name = "B" } do orgs.update(p, { name = "0 renamed" }) end
                for p in orgs.find { name = "C" } do orgs.archive(p) end
              end
            end
            print(table.concat(seen, " "), orgs.count())
            """, lines: lines)
        #expect(run.succeeded, "\(run.outcome.error?.message ?? "")")
        #expect(lines.all == ["A B C\t2"])
    }

    @Test func nestedFindsOfOneShapeEachSeeTheirOwnCall() throws {
        let workspace = try RecordWorkspace()
        let lines = Lines()
        let run = try workspace.run(Self.three + """

            local outer, pairs = 0, 0
            for o in orgs.find { order_by = "name" } do
              outer = outer + 1
              for p in orgs.find { order_by = "name" } do
                pairs = pairs + 1
                orgs.create { name = "A" .. p.name, country = "RU" }
              end
            end
            local limited = 0
            for o in orgs.find { order_by = "-name", limit = 2 } do
              limited = limited + 1
              orgs.update(o, { name = "ZZZ" .. limited })
            end
            print(outer, pairs, limited)
            """, lines: lines)
        #expect(run.succeeded, "\(run.outcome.error?.message ?? "")")
        #expect(lines.all == ["3\t21\t2"])
    }
}
