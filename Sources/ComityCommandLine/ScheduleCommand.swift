import ArgumentParser
import ComityCore
import ComityCron
import ComityEngine
import ComityScheduler
import ComityService
import Foundation
import Logging

struct ScheduleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "Scheduled workflows: list them, pause and resume them, run past slots, explain cron expressions.",
        subcommands: [List.self, Pause.self, Resume.self, Backfill.self, Explain.self],
        defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Each scheduled workflow: its expression, next slot, and last run with its outcome.")

        @Flag(help: "Print JSON instead of text.")
        var json = false

        func run() throws {
            CommandLogging.bootstrap(.warning) // the scheduler's notices belong in a daemon's log
            let opened = try CommandEngine.open()
            let rows = try opened.schedules().map { status in
                let schedule = status.schedule
                let zone = status.timeZone
                return ScheduleJSON(
                    workflow: schedule.workflow, file: schedule.file, expression: schedule.expression, explained: status.explained,
                    timeZone: schedule.timeZone, nextSlot: schedule.nextSlot?.description,
                    nextSlotLocal: schedule.nextSlot?.formatted(in: zone), lastSlot: schedule.lastSlot?.description,
                    lastSlotLocal: schedule.lastSlot?.formatted(in: zone),
                    lastRun: schedule.lastRun, lastOutcome: status.lastRun?.outcome.rawValue, catchUp: schedule.catchUp.rawValue,
                    overlap: schedule.overlap.rawValue, paused: schedule.paused, error: schedule.error,
                    heldBy: schedule.lease.map { $0.owner }, heldUntil: schedule.lease?.until.description)
            }
            if json { return try JSONOutput.print(rows) }
            if rows.isEmpty { return Output.print("no scheduled workflows (declare one with schedule = \"0 8 * * *\")") }
            for row in rows {
                var state = row.paused ? "paused" : "next \(row.nextSlotLocal ?? "never") (\(row.timeZone))"
                if let error = row.error { state = "cannot run: \(error)" }
                Output.print("\(row.workflow)  \"\(row.expression)\"  \(row.explained ?? "")")
                Output.print("  \(state)")
                if let lastRun = row.lastRun {
                    Output.print("  last: slot \(row.lastSlotLocal ?? "?")  run \(lastRun.prefix(8))  \(TerminalStyle.outcome(row.lastOutcome ?? "?"))")
                }
                if let holder = row.heldBy { Output.print("  running now: run \(holder.prefix(8)), lease until \(row.heldUntil ?? "?")") }
            }
        }
    }

    struct Pause: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop a workflow's schedule until `schedule resume`.")

        @Argument(help: "The workflow's name.")
        var name: String

        func run() throws {
            CommandLogging.bootstrap(.warning) // the scheduler's notices belong in a daemon's log
            let engine = try CommandEngine.open()
            _ = try CommandFailure.reporting { try engine.pause(schedule: name) }
            Output.print("paused \(name)")
        }
    }

    struct Resume: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Let a paused schedule run again, from its next slot (slots missed while paused do not run).",
            discussion: "It never goes back to a slot at or before the last one that ran, even when ticks ran ahead of the clock.")

        @Argument(help: "The workflow's name.")
        var name: String

        @Option(help: ArgumentHelp("Resume as of this time instead of now (ISO 8601), as `tick --now`.", valueName: "time"))
        var now: String?

        func validate() throws {
            if let now { _ = try parsedTime(now, option: "--now") }
        }

        func run() throws {
            CommandLogging.bootstrap(.warning) // the scheduler's notices belong in a daemon's log
            let opened = try CommandEngine.open()
            let start = try now.map { try parsedTime($0, option: "--now", zone: opened.workspace.timeZone) }
            let resumed = try CommandFailure.reporting { try opened.resume(schedule: name, now: start) }
            let next = resumed.schedule.nextSlot?.formatted(in: resumed.timeZone) ?? "never"
            Output.print(resumed.wasPaused ? "resumed \(name); next slot \(next)" : "\(name) was not paused; left as it is, next slot \(next)")
        }
    }

    struct Backfill: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the past slots of a schedule in a time range that have no successful run.",
            discussion: """
                Each slot runs as its own run with the slot as its clock, oldest first. Slots that \
                already ran successfully are passed over; slots the schedule has still to reach are \
                left to it.
                """)

        @Argument(help: "The workflow's name.")
        var name: String

        @Option(help: ArgumentHelp("The first moment of the range (ISO 8601, workspace time zone unless given).", valueName: "time"))
        var from: String

        @Option(help: ArgumentHelp("The last moment of the range (included).", valueName: "time"))
        var to: String

        @Flag(help: "Only list the slots that would run.")
        var dryRun = false

        @Option(help: ArgumentHelp("Log level on standard error.", valueName: "level"))
        var logLevel: Logger.Level = .warning

        func validate() throws {
            _ = try parsedTime(from, option: "--from")
            _ = try parsedTime(to, option: "--to")
        }

        func run() throws {
            CommandLogging.bootstrap(logLevel)
            let opened = try CommandEngine.open()
            let zone = opened.workspace.timeZone
            let first = try parsedTime(from, option: "--from", zone: zone)
            let last = try parsedTime(to, option: "--to", zone: zone)
            let slots = try CommandFailure.reporting {
                try opened.backfill(schedule: name, from: first, to: last, dryRun: dryRun) { Output.print($0) }
            }
            if slots.isEmpty { return Output.print("no past slots of \(name) between \(from) and \(to)") }
            for slot in slots {
                if let earlier = slot.ranBefore {
                    Output.print("\(slot.slot)  ran before (run \(earlier.prefix(8)))")
                } else if let run = slot.run {
                    Output.print("\(slot.slot)  run \(run.id.prefix(8))  \(TerminalStyle.outcome(run.record.outcome.rawValue))")
                    if let error = run.outcome.error { Output.print("  \(error.message)") }
                } else {
                    Output.print("\(slot.slot)  would run")
                }
            }
            let ran = slots.compactMap(\.run)
            Output.print(dryRun ? "\(slots.filter { $0.ranBefore == nil }.count) slot(s) would run (dry run: nothing ran)"
                         : "\(ran.count) slot(s) run, \(slots.count - ran.count) ran before")
            if ran.contains(where: { !$0.succeeded }) { throw ExitCode(1) }
        }
    }

    struct Explain: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Say a cron expression in words and print its next times.",
            discussion: """
                Five fields: minute (0-59), hour (0-23), day of month (1-31), month (1-12 or JAN-DEC), \
                day of week (0-7, 0 and 7 are Sunday, or SUN-SAT), each '*', a value, a list a,b, a \
                range a-b, or a step */n or a-b/n; or @yearly, @annually, @monthly, @weekly, @daily, \
                @midnight, @hourly. When both day fields are restricted, a day matching either runs.
                """)

        @Argument(help: "The expression, quoted: \"0 8 * * 1\".")
        var expression: String

        @Option(help: ArgumentHelp("How many next times to print (default 5).", valueName: "n"))
        var count = 5

        @Option(help: ArgumentHelp("The time zone (default: the workspace's).", valueName: "zone"))
        var timeZone: String?

        @Option(help: ArgumentHelp("Count from this time instead of now (ISO 8601).", valueName: "time"))
        var from: String?

        func validate() throws {
            if count < 1 || count > 1000 { throw ValidationError("--count must be from 1 to 1000") }
            if let timeZone, TimeZone(identifier: timeZone) == nil {
                throw ValidationError("--time-zone '\(timeZone)' is not a known zone (such as UTC or Europe/Moscow)")
            }
        }

        func run() throws {
            CommandLogging.bootstrap(.warning) // the scheduler's notices belong in a daemon's log
            let workspace = try? Workspace.find(from: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
            let zone = timeZone.flatMap(TimeZone.init(identifier:)) ?? workspace?.timeZone ?? .gmt
            let schedule: CronSchedule
            do {
                schedule = try CronSchedule(expression, timeZone: zone)
            } catch {
                throw CommandFailure.report(error.description)
            }
            let start = try from.map { try parsedTime($0, option: "--from", zone: zone) } ?? Timestamp(Date())
            Output.print("\"\(schedule.expression.text)\": \(CronDescription.sentence(for: schedule.expression)) (\(zone.name))")
            for time in schedule.times(after: start, count: count) {
                Output.print("  \(time.formatted(in: zone))")
            }
        }
    }
}

/// A schedule as `schedule list --json` shows it.
struct ScheduleJSON: Encodable {
    var workflow, file, expression: String
    var explained: String?
    var timeZone: String
    var nextSlot, nextSlotLocal, lastSlot, lastSlotLocal, lastRun, lastOutcome: String?
    var catchUp, overlap: String
    var paused: Bool
    var error, heldBy, heldUntil: String?
}
