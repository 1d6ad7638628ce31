import ComityCron
import ComityCore
import ComityEngine
import Foundation

/// What a synchronisation changed, for the log.
public struct ScheduleChange: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable { case added, changed, removed, failing }
    public let kind: Kind
    public let workflow: String
    public let detail: String

    public var description: String { "schedule \(kind.rawValue): \(workflow)" + (detail.isEmpty ? "" : " (\(detail))") }
}

extension Scheduler {
    /// Brings the stored schedules in line with the workflows' declarations: a new
    /// schedule starts with its next slot after now (past slots of a schedule that did
    /// not exist are not missed); a changed expression or zone starts again from now;
    /// a removed schedule goes (its runs stay in the history); a script that fails to
    /// load keeps its schedule, marked with the error, until it is fixed. Writes only
    /// what changed.
    @discardableResult
    public func synchronize(with catalog: WorkflowCatalog) throws -> [ScheduleChange] {
        let store = try store
        let now = clock()
        let existing = Dictionary(uniqueKeysWithValues: try store.read { try $0.schedules() }.map { ($0.workflow, $0) })
        var wanted: [String: ScheduleRecord] = [:]
        var changes: [ScheduleChange] = []
        let failingFiles = Dictionary(catalog.workflows.filter { $0.error != nil }.map { ($0.file, $0.error ?? "") },
                                      uniquingKeysWith: { a, _ in a })
        for workflow in catalog.workflows where workflow.error == nil {
            guard let expression = workflow.schedule else { continue }
            let zoneName = workflow.timeZone ?? runner.timeZone.name
            let limit = workflow.timeLimitSeconds ?? 3_600
            var schedule = existing[workflow.name] ?? ScheduleRecord(
                workflow: workflow.name, file: workflow.file, expression: expression, timeZone: zoneName, nextSlot: nil)
            // A new rule starts from now; a script that failed and loads again keeps its
            // slot, so what it missed meanwhile is caught up.
            let newRule = existing[workflow.name] == nil || schedule.expression != expression || schedule.timeZone != zoneName
                || schedule.nextSlot == nil
            schedule.file = workflow.file
            schedule.expression = expression
            schedule.timeZone = zoneName
            schedule.catchUp = workflow.catchUp.flatMap(ScheduleRecord.CatchUp.init(rawValue:)) ?? .latest
            schedule.catchUpWindow = workflow.catchUpWindowSeconds ?? 86_400
            schedule.overlap = workflow.overlap.flatMap(ScheduleRecord.Overlap.init(rawValue:)) ?? .wait
            schedule.leaseSeconds = limit + Int64(settings.leaseMargin.inSeconds.rounded(.up))
            schedule.error = nil
            do {
                let cron = try CronSchedule(expression, timeZone: TimeZone(identifier: zoneName) ?? runner.timeZone)
                if newRule { schedule.nextSlot = cron.next(after: now) }
            } catch {
                schedule.error = "\(error)"
                schedule.nextSlot = nil
            }
            wanted[workflow.name] = schedule
        }
        // Nothing to change (the usual tick): no write transaction, so no wait for the
        // database's one writer either.
        let unchanged = wanted.allSatisfy { existing[$0.key] == $0.value }
            && existing.allSatisfy { name, old in wanted[name] != nil || failingFiles[old.file] == old.error && old.error != nil }
        if unchanged { return [] }
        try store.write(commit: true) { transaction -> Void in
            for (name, schedule) in wanted.sorted(by: { $0.key < $1.key }) where existing[name] != schedule {
                try transaction.saveSchedule(schedule)
                let kind: ScheduleChange.Kind = schedule.error != nil ? .failing : existing[name] == nil ? .added : .changed
                changes.append(ScheduleChange(kind: kind, workflow: name, detail: schedule.error ?? schedule.expression))
            }
            for (name, old) in existing.sorted(by: { $0.key < $1.key }) where wanted[name] == nil {
                if let error = failingFiles[old.file] {
                    // The script broke: keep the schedule, held, until it loads again.
                    guard old.error != error else { continue }
                    var held = old
                    held.error = error
                    try transaction.saveSchedule(held)
                    changes.append(ScheduleChange(kind: .failing, workflow: name, detail: error))
                } else {
                    try transaction.removeSchedule(workflow: name)
                    changes.append(ScheduleChange(kind: .removed, workflow: name, detail: ""))
                }
            }
        }
        for change in changes {
            runner.logger.notice("\(change)")
        }
        return changes
    }
}
