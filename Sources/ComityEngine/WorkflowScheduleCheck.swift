import ComityCron

extension WorkflowSummary {
    /// Why the declared `schedule` is not a cron expression Comity runs (naming the
    /// field at fault); nil when it is one or there is none. The engine checks it, so
    /// every front end (a listing, a tick, the server) says the same.
    public var scheduleError: String? {
        guard let schedule else { return nil }
        do {
            _ = try CronExpression(schedule)
            return nil
        } catch {
            return "workflow '\(name)': schedule: \(error)"
        }
    }
}

extension WorkflowCatalog {
    /// The catalog with each readable workflow whose schedule is not valid cron marked
    /// with that error, so that a mistake shows in a listing before a tick meets it.
    /// (The scheduler keeps such a schedule, held with its error, rather than dropping it:
    /// `load` itself leaves it unmarked.)
    public func checkingSchedules() -> WorkflowCatalog {
        var checked = self
        for index in checked.workflows.indices where checked.workflows[index].error == nil {
            checked.workflows[index].error = checked.workflows[index].scheduleError
        }
        return checked
    }
}

extension WorkflowSummary {
    /// The declared schedule in words (`at 08:00 every day`); nil when there is none or
    /// it is not valid cron.
    public var scheduleInWords: String? {
        schedule.flatMap { try? CronExpression($0) }.map(CronDescription.sentence(for:))
    }
}
