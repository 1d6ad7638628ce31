import ComityCore

/// The query that sums the run history for metrics, the same on SQLite and PostgreSQL:
/// per workflow and outcome, the runs, those that ended, their seconds, the histogram's
/// cumulative buckets, and the runs interrupted by a lease's take-over.
public enum RunTotalsSQL {
    public static let query: String = {
        let buckets = RunTotal.durationBounds.map {
            "CAST(SUM(CASE WHEN ended_at IS NOT NULL AND ended_at - started_at <= \($0) THEN 1 ELSE 0 END) AS BIGINT)"
        }
        return """
            SELECT workflow, outcome, COUNT(*), COUNT(ended_at), CAST(COALESCE(SUM(ended_at - started_at), 0) AS BIGINT),
              \(buckets.joined(separator: ", ")),
              CAST(SUM(CASE WHEN outcome = 'interrupted' AND error LIKE '\(RunLease.takenOverError)%' THEN 1 ELSE 0 END) AS BIGINT)
            FROM runs GROUP BY workflow, outcome ORDER BY workflow, outcome
            """
    }()

    /// A row of the query as a total, from its columns in order; nil for an outcome this
    /// version does not know.
    public static func total(_ columns: [SQLValue]) -> RunTotal? {
        let bounds = RunTotal.durationBounds.count
        guard columns.count == 6 + bounds, case .text(let name) = columns[1], let outcome = RunRecord.Outcome(rawValue: name) else { return nil }
        func int(_ index: Int) -> Int { Int(columns[index].integer ?? 0) }
        let workflow: String? = if case .text(let text) = columns[0] { text } else { nil }
        return RunTotal(workflow: workflow, outcome: outcome, count: int(2), ended: int(3), seconds: columns[4].integer ?? 0,
                        withinBounds: (0..<bounds).map { int(5 + $0) }, takenOver: int(5 + bounds))
    }
}
