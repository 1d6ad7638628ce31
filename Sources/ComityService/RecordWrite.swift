import ComityCore
import Foundation

/// A change to one record asked for from outside a script (`comity serve`'s API),
/// checked by the same domain rules as a script's.
public enum RecordWrite: Sendable {
    case create(RecordType, [String: FieldValue])
    /// A nil value clears the field.
    case update(RecordReference, [String: FieldValue?])
    /// A lifecycle step (`award`) with the fields that go with it.
    case step(RecordReference, verb: String, [String: FieldValue])
    case archive(RecordReference)
    case restore(RecordReference)
    /// An organisation or a person taking part in an event in a role (`events.add_participant`).
    case addParticipant(RecordReference, participant: RecordReference, role: String)

    /// The record written to; nil for a create.
    public var target: RecordReference? {
        switch self {
        case .create: nil
        case .update(let reference, _), .step(let reference, _, _), .archive(let reference), .restore(let reference),
             .addParticipant(let reference, _, _): reference
        }
    }

    /// Links given by id must name records that exist, refused in the words a script's
    /// `create` and `update` use for an id (`Grant field 'funder': Organisation 999 does not exist`).
    func checkLinks(in transaction: any StoreTransaction) throws {
        let (type, values): (RecordType?, [String: FieldValue?]) = switch self {
        case .create(let type, let fields): (type, fields.mapValues { Optional($0) })
        case .update(let reference, let changes): (reference.type, changes)
        case .step(let reference, _, let fields): (reference.type, fields.mapValues { Optional($0) })
        case .archive, .restore: (nil, [:])
        // One that is not an organisation or a person is the domain's to refuse, in its words.
        case .addParticipant(_, let participant, _):
            (.event, participant.type == .organisation || participant.type == .person ? ["participant": .reference(participant)] : [:])
        }
        guard let type else { return }
        for name in values.keys.sorted() {
            let links: [RecordReference] = switch values[name] ?? nil {
            case .reference(let link)?: [link]
            case .references(let list)?: list
            default: []
            }
            for link in links where try transaction.record(link) == nil {
                throw DomainError(.invalidValue, field: name, "\(type.displayName) field '\(name)': \(link.type.displayName) \(link.id) does not exist")
            }
        }
    }

    /// `created grant 5`, for the write's record in the run history.
    func summary(of record: Record) -> String {
        let name = "\(record.reference.type.rawValue) \(record.reference.id)"
        switch self {
        case .create: return "created \(name)"
        case .update(_, let changes): return "changed \(changes.keys.sorted().joined(separator: ", ")) of \(name)"
        case .step(_, let verb, _): return "\(verb): \(name), now \(record.status ?? "?")"
        case .archive: return "archived \(name)"
        case .restore: return "restored \(name)"
        case .addParticipant(_, let participant, let role): return "added \(participant.type.rawValue) \(participant.id) to \(name) as \(role)"
        }
    }
}

/// What ``Engine/write(_:by:request:idempotency:answer:)`` did.
public enum RecordWriteOutcome: Sendable {
    /// Written and committed: the record after the write, the run that records the
    /// write in the history, how many workflow runs its events queued, and the answer
    /// made for it (kept for its `Idempotency-Key`).
    case written(Record, run: String, queued: Int, answer: (status: Int, body: Data))
    /// The request's `Idempotency-Key` was used before: nothing is written.
    case replay(IdempotentReplay)
}

/// What an `Idempotency-Key` seen before means for a request.
public enum IdempotentReplay: Sendable {
    /// The key's answer was kept for this very request: it is given again.
    case answeredBefore(IdempotentResponse)
    /// The key's answer was kept for another request (another body or path): refused.
    case keyReused(IdempotentResponse)
}

/// An `Idempotency-Key` with what it is sent with.
public struct IdempotencyClaim: Sendable {
    public var key: String
    /// The SHA-256 (hex) of the method, the path and the body.
    public var request: String
    /// How long an answer is remembered (24 hours).
    public static let window: Int64 = 86_400

    public init(key: String, request: String) {
        self.key = key
        self.request = request
    }

    /// What the key means in `transaction`: nil when it is new (or its answer forgotten).
    func replay(token: String, at now: Timestamp, in transaction: any StoreTransaction) throws -> IdempotentReplay? {
        guard let kept = try transaction.idempotentResponse(token: token, key: key, since: Self.since(now)) else { return nil }
        return kept.request == request ? .answeredBefore(kept) : .keyReused(kept)
    }

    /// Keeps the answer to the key's request, in the transaction that made it.
    func keep(_ answer: (status: Int, body: Data), token: String, at now: Timestamp, in transaction: any StoreTransaction) throws {
        try transaction.keepIdempotentResponse(
            IdempotentResponse(token: token, key: key, request: request, status: answer.status, body: answer.body, createdAt: now),
            since: Self.since(now))
    }

    private static func since(_ now: Timestamp) -> Timestamp { Timestamp(secondsSince1970: now.secondsSince1970 - window) }
}
