import ComityCron
import ComityCore

/// Which of a schedule's due slots to run now, by its `catch_up`: the rest of the
/// missed slots are skipped.
struct SlotChoice: Equatable {
    /// The slot to run; nil when every due slot is skipped.
    var slot: Timestamp?
    /// Due slots passed over, the first and last of them (for the log).
    var skipped: (first: Timestamp, last: Timestamp)?
    /// The schedule's next slot when nothing runs now.
    var following: Timestamp?

    static func == (a: SlotChoice, b: SlotChoice) -> Bool {
        a.slot == b.slot && a.following == b.following && a.skipped?.first == b.skipped?.first && a.skipped?.last == b.skipped?.last
    }

    /// - Parameters:
    ///   - first: the schedule's next slot, at or before `now`.
    ///   - lateAfter: with `skip`, a slot older than this was missed.
    static func choose(
        _ catchUp: ScheduleRecord.CatchUp, first: Timestamp, now: Timestamp, schedule: CronSchedule,
        window: Int64, lateAfter: Int64
    ) -> SlotChoice {
        switch catchUp {
        case .all:
            // The oldest slot within the window; older ones are dropped.
            let windowStart = Timestamp(secondsSince1970: now.secondsSince1970 - window)
            guard first < windowStart else { return SlotChoice(slot: first) }
            guard let slot = schedule.next(after: Timestamp(secondsSince1970: windowStart.secondsSince1970 - 1)) else {
                return SlotChoice(slot: nil, skipped: (first, first), following: nil)
            }
            let lastSkipped = latest(schedule, from: first, before: slot) ?? first
            guard slot <= now else { return SlotChoice(slot: nil, skipped: (first, lastSkipped), following: slot) }
            return SlotChoice(slot: slot, skipped: (first, lastSkipped))
        case .latest, .skip:
            let newest = latest(schedule, from: first, before: Timestamp(secondsSince1970: now.secondsSince1970 + 1)) ?? first
            let skipped = newest == first ? nil : (first, latest(schedule, from: first, before: newest) ?? first)
            if catchUp == .skip, now.secondsSince1970 - newest.secondsSince1970 > lateAfter {
                return SlotChoice(slot: nil, skipped: (first, newest), following: schedule.next(after: now))
            }
            return SlotChoice(slot: newest, skipped: skipped)
        }
    }

    /// The newest slot at or after `first` and before `end`; nil when `first` is not
    /// before `end`. Looks back an hour, a day, a month and a year from `end` before
    /// walking from `first`, so a long outage of a frequent schedule costs little.
    static func latest(_ schedule: CronSchedule, from first: Timestamp, before end: Timestamp) -> Timestamp? {
        guard first < end else { return nil }
        var start = first
        for lookback: Int64 in [3_600, 86_400, 35 * 86_400, 400 * 86_400] {
            let from = Timestamp(secondsSince1970: end.secondsSince1970 - lookback)
            guard from > first else { break }
            if let slot = schedule.next(after: from), slot < end {
                start = slot
                break
            }
        }
        var last = start
        while let next = schedule.next(after: last), next < end { last = next }
        return last
    }
}
