import ComityCore
import Foundation

/// A resumed schedule, and whether it had been paused.
public struct ScheduleResumption {
    public let schedule: ScheduleRecord
    public let wasPaused: Bool
    public let timeZone: TimeZone
}
