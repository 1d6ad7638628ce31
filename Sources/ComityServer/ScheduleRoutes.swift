import ComityCore
import ComityService
import Foundation
import Hummingbird

/// `GET /v1/schedules` (each scheduled workflow: its next slot in its zone, its last
/// run's outcome), `POST /v1/schedules/NAME/pause` and `.../resume` (both idempotent:
/// pausing a paused schedule changes nothing).
enum ScheduleRoutes {
    static func add(to api: RouterGroup<ComityRequestContext>, engine: EngineExecutor) {
        api.get("schedules") { _, _ in
            let schedules = try await engine.perform { engine in
                try engine.schedules().map { ScheduleJSON($0.schedule, zone: $0.timeZone, lastRun: $0.lastRun, explained: $0.explained) }
            }
            return try JSONResponse.response(ScheduleListJSON(schedules: schedules))
        }
        api.post("schedules/:name/pause") { _, context in
            let name = context.parameters.get("name") ?? ""
            return try await answer(context, "schedule paused") { engine in
                let paused = try engine.pause(schedule: name)
                return ScheduleJSON(paused, zone: TimeZone(identifier: paused.timeZone) ?? engine.workspace.timeZone, lastRun: nil, explained: nil)
            }
        }
        api.post("schedules/:name/resume") { _, context in
            let name = context.parameters.get("name") ?? ""
            return try await answer(context, "schedule resumed") { engine in
                let resumed = try engine.resume(schedule: name)
                return ScheduleJSON(resumed.schedule, zone: resumed.timeZone, lastRun: nil, explained: nil)
            }
        }

        @Sendable func answer(_ context: ComityRequestContext, _ what: String,
                              _ body: @escaping @Sendable (Engine) throws -> ScheduleJSON) async throws -> Response {
            do {
                let schedule = try await engine.perform(body)
                context.logger.info("\(what)", metadata: ["token": "\(context.token?.name ?? "-")", "workflow": "\(schedule.workflow)"])
                return try JSONResponse.response(schedule)
            } catch let error as EngineError {
                return ProblemDetails.response(.notFound, "\(error)")
            }
        }
    }
}

/// A schedule as the API shows it.
struct ScheduleJSON: Encodable, Sendable {
    var workflow: String
    var expression: String
    /// `at 08:00 on Monday`.
    var explained: String?
    var timeZone: String
    var paused: Bool
    var nextSlot: String?
    /// The next slot as its zone's clock shows it.
    var nextSlotLocal: String?
    var lastSlot: String?
    var lastRun: String?
    var lastOutcome: String?
    var catchUp: String
    var overlap: String
    var error: String?

    init(_ schedule: ScheduleRecord, zone: TimeZone, lastRun: RunRecord?, explained: String?) {
        workflow = schedule.workflow
        expression = schedule.expression
        self.explained = explained
        timeZone = zone.identifier
        paused = schedule.paused
        nextSlot = schedule.nextSlot?.description
        nextSlotLocal = schedule.nextSlot?.formatted(in: zone)
        lastSlot = schedule.lastSlot?.description
        self.lastRun = schedule.lastRun
        lastOutcome = lastRun?.outcome.rawValue
        catchUp = schedule.catchUp.rawValue
        overlap = schedule.overlap.rawValue
        error = schedule.error
    }
}

/// `/v1/schedules`' answer.
struct ScheduleListJSON: Encodable {
    var schedules: [ScheduleJSON]
}
