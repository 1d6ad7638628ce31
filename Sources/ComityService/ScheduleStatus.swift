import ComityCore
import Foundation

/// A schedule as a listing shows it: the stored schedule, its last run, its zone and
/// its expression in words.
public struct ScheduleStatus: Sendable {
    public let schedule: ScheduleRecord
    public let lastRun: RunRecord?
    /// The schedule's zone (the workspace's when it names none Comity knows).
    public let timeZone: TimeZone
    /// `at 08:00 on Monday`; nil for an expression that is not valid cron.
    public let explained: String?
}
