import ComityCore
import ComityEngine
import Foundation

extension Engine {
    /// How long a GitHub-style hook refuses a body it has had (24 hours).
    public static let replayWindow: Int64 = 86_400

    /// Keeps a delivery that passed its hook's signature check and queues the hook's
    /// workflow for it, in one transaction: either both are stored or neither. A
    /// delivery id the hook has had before is a replay, and keeps nothing. The run is
    /// left to whoever drains the queue (`comity daemon`, a worker, `serve --with-scheduler`).
    public func accept(_ delivery: WebhookDelivery, for hook: WebhookSettings) throws -> WebhookAcceptance {
        guard let workflow = catalog().workflow(named: hook.workflow) else {
            throw EngineError.failed("hooks.\(hook.name): no workflow '\(hook.workflow)' in Scripts/ or its plugins; nothing was kept")
        }
        if let error = workflow.error { throw EngineError.failed("hooks.\(hook.name): workflow '\(hook.workflow)': \(error); nothing was kept") }
        return try store.write(commit: true) { transaction in
            // A hook that acts as no one there takes nothing: its runs could never run.
            if let runAs = hook.runAs {
                do {
                    _ = try AccessPolicy.person(named: runAs, in: transaction, membersOnly: true)
                } catch let missing as StoreError where missing.kind == .notFound {
                    throw EngineError.failed("hooks.\(hook.name).run_as: \(missing.message); nothing was kept")
                } catch let ambiguous as DomainError {
                    throw EngineError.failed("hooks.\(hook.name).run_as: \(ambiguous.message); nothing was kept")
                }
            }
            // GitHub's style signs the body only: the same body under a new id is a replay.
            if hook.style == .github,
               let same = try transaction.delivery(hook: delivery.hook, body: delivery.body,
                                                   since: Timestamp(secondsSince1970: delivery.receivedAt.secondsSince1970 - Self.replayWindow)) {
                return .replayed(delivery: same.id)
            }
            guard let id = try transaction.receiveDelivery(delivery) else {
                let first = try transaction.delivery(hook: delivery.hook, delivery: delivery.delivery)
                return .replayed(delivery: first?.id ?? 0)
            }
            let trigger = RunTrigger(.hook, event: hook.name, eventID: id)
            let queued = try transaction.enqueue(QueuedRun(workflow: workflow.name, file: workflow.file, trigger: trigger,
                                                           enqueuedAt: delivery.receivedAt))
            return .queued(delivery: id, queuedRun: queued)
        }
    }
}
