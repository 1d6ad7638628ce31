import ComityCore
import ComityEngine
import Foundation
import HumanReadable

extension Engine {
    /// Makes one change to a record through the domain's rules, as a script's would be
    /// made, in one transaction with: its audit entries and events, the workflows its
    /// events start (queued), a record in the run history that says who asked (trigger
    /// `api`, the token's name), and the answer of an `Idempotency-Key`.
    /// - Parameters:
    ///   - token: the name of the token that asked.
    ///   - request: `PATCH /v1/grants/4`, for the history.
    ///   - answer: the status and body of the answer, from the written record as the
    ///     transaction sees it (an event's participants are read from it); kept for the key.
    /// - Throws: the refusal (a `DomainError` with its did-you-mean, a `StoreError`);
    ///   nothing is kept then.
    ///   - person: the person the token acts as (`AccessToken.person`): the write is theirs, within their rights.
    public func write(_ write: RecordWrite, by token: String, as person: Int64? = nil, request: String, idempotency: IdempotencyClaim? = nil,
                      answer: @escaping (Record, any StoreTransaction) throws -> (status: Int, body: Data) = { _, _ in (200, Data()) })
        throws -> RecordWriteOutcome {
        let queuing = EventQueuing(catalog: catalog(), schema: store.schema)
        let runID = RunRecord.newID()
        let now = Timestamp(Date())
        let context = ChangeContext(run: runID, at: now, timeZone: workspace.timeZone)
        do {
            return try store.write(commit: true) { base in
                if let replay = try idempotency?.replay(token: token, at: now, in: base) { return .replay(replay) }
                base.recordEvents(queuing.recording)
                let transaction = try scoped(base, as: person, at: now)
                try write.checkLinks(in: transaction)
                let record: Record
                switch write {
                case .create(let type, let fields): record = try transaction.create(type, fields, context: context)
                case .update(let reference, let changes): record = try transaction.update(reference, changes, context: context)
                case .step(let reference, let verb, let fields): record = try transaction.step(reference, verb, fields, context: context)
                case .archive(let reference): record = try transaction.archive(reference, context: context)
                case .restore(let reference): record = try transaction.restore(reference, context: context)
                case .addParticipant(let event, let participant, let role):
                    try transaction.addParticipant(event, participant, role: role, context: context)
                    guard let found = try transaction.record(event) else { throw StoreError(.notFound, StoreError.missingText(event)) }
                    record = found
                }
                // Every event the write made starts its workflows, seen or not by the person.
                let queued = try queuing.enqueue(base.events(byRun: runID), causedBy: runID, depth: 0, in: base)
                var run = RunRecord(id: runID, workflow: nil, file: request, contentHash: "", trigger: RunTrigger(.api, event: token),
                                    parameters: [:], clock: now, startedAt: now, endedAt: Timestamp(Date()), outcome: .succeeded)
                (run.recordsCreated, run.recordsChanged) = try base.changeCounts(byRun: runID)
                run.log = ["\(request) by token '\(token)': \(write.summary(of: record))"]
                    + (queued > 0 ? ["queued \(queued) workflow run(s)"] : [])
                try base.saveRun(run)
                let answered = try answer(record, transaction)
                try idempotency?.keep(answered, token: token, at: now, in: base)
                return .written(record, run: runID, queued: queued, answer: answered)
            }
        } catch var refusal as DomainError {
            // Said as a script would be told (`did you mean 'name'?`).
            if let field = refusal.field, let near = NameSuggestion.closest(to: field, among: refusal.candidates) {
                refusal.message += " (did you mean '\(near)'?)"
            }
            throw refusal
        }
    }
}
