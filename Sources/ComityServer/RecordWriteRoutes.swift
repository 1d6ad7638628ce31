import ComityCore
import ComityService
import Foundation
import Hummingbird

/// The API's record writes, each one transaction through the domain's rules (as a
/// script's), recorded in the run history as the token's: `POST /v1/COLLECTION`
/// creates, `PATCH /v1/COLLECTION/ID` changes (`null` clears a field), `POST
/// /v1/COLLECTION/ID/STEP` takes a lifecycle step (`award`, with its fields), and
/// `.../archive`, `.../restore`. An `Idempotency-Key` header makes a write safe to send
/// again: the same key and request answer the first answer again for 24 hours.
enum RecordWriteRoutes {
    /// The lifecycle verbs of a type, each once, in the order the lifecycle gives them.
    static func verbs(_ schema: RecordSchema) -> [String] {
        var seen = Set<String>()
        return (schema.lifecycle?.steps ?? []).map(\.verb).filter { seen.insert($0).inserted }
    }

    static func add(to api: RouterGroup<ComityRequestContext>, engine: EngineExecutor, schema: DomainSchema, settings: ServerSettings) {
        for type in RecordType.allCases {
            let recordSchema = schema[type]
            api.post(RouterPath(type.collection)) { request, context in
                try await handle(request, context, engine: engine, settings: settings, created: true) { body in
                    let fields = try RecordJSONInput.fields(body, type: type, schema: recordSchema)
                    return .create(type, fields.compactMapValues { $0 })
                }
            }
            api.patch(RouterPath("\(type.collection)/:id")) { request, context in
                try await handle(request, context, engine: engine, settings: settings) { body in
                    .update(try reference(type, context), try RecordJSONInput.fields(body, type: type, schema: recordSchema))
                }
            }
            for verb in verbs(recordSchema) {
                api.post(RouterPath("\(type.collection)/:id/\(verb)")) { request, context in
                    try await handle(request, context, engine: engine, settings: settings) { body in
                        let fields = try RecordJSONInput.fields(body, type: type, schema: recordSchema, emptyAllowed: true)
                        return .step(try reference(type, context), verb: verb, fields.compactMapValues { $0 })
                    }
                }
            }
            api.post(RouterPath("\(type.collection)/:id/archive")) { request, context in
                try await handle(request, context, engine: engine, settings: settings) { _ in .archive(try reference(type, context)) }
            }
            api.post(RouterPath("\(type.collection)/:id/restore")) { request, context in
                try await handle(request, context, engine: engine, settings: settings) { _ in .restore(try reference(type, context)) }
            }
        }
        // An event's participants: added one at a time, answered as the list they make.
        api.post(RouterPath("\(RecordType.event.collection)/:id/participants")) { request, context in
            try await handle(request, context, engine: engine, settings: settings, answer: ParticipantJSON.answer) { body in
                let (participant, role) = try ParticipantJSON.input(body)
                return .addParticipant(try reference(.event, context), participant: participant, role: role)
            }
        }
    }

    /// A path's id that is not a record's.
    struct BadID: Error {}

    static func reference(_ type: RecordType, _ context: ComityRequestContext) throws -> RecordReference {
        guard let id = PathID.number(context) else { throw BadID() }
        return RecordReference(type, id)
    }

    /// A write's answer: the record written, as `GET` shows it.
    static func recordAnswer(_ record: Record, _ transaction: any StoreTransaction) throws -> JSONTree { RecordJSON.object(record) }

    private static func handle(_ request: Request, _ context: ComityRequestContext, engine: EngineExecutor, settings: ServerSettings,
                               created: Bool = false, answer: @escaping @Sendable (Record, any StoreTransaction) throws -> JSONTree = recordAnswer,
                               _ make: @escaping (Data) throws -> RecordWrite) async throws -> Response {
        let body: Data
        switch await RequestBody.forWrite(request, settings: settings) {
        case .success(let data): body = data
        case .failure(let refused): return refused.response
        }
        let claim: IdempotencyClaim?
        switch IdempotencyHeader.claim(request, body: body) {
        case .success(let given): claim = given
        case .failure(let refusal): return refusal.response
        }
        let write: RecordWrite
        do {
            write = try make(body)
        } catch is BadID {
            return ProblemDetails.response(.badRequest, "a record's id is a whole number from 1")
        } catch let malformed as RecordJSONInput.Malformed {
            return ProblemDetails.response(.badRequest, malformed.description)
        } catch let refusal as DomainError {
            return ProblemDetails.response(.unprocessableContent, refusal.message, field: refusal.field)
        }
        let token = context.token?.name ?? "-"
        let person = context.token?.person
        let description = "\(request.method) \(request.uri.path)"
        let status: HTTPResponse.Status = created ? .created : .ok
        let outcome: RecordWriteOutcome
        do {
            outcome = try await engine.perform { engine in
                try engine.write(write, by: token, as: person, request: description, idempotency: claim) { record, transaction in
                    (status.code, RecordJSON.data(try answer(record, transaction)))
                }
            }
        } catch let missing as StoreError where missing.kind == .notFound {
            // The record written to is not there (a link that is not is a refusal of its field).
            guard let target = write.target else { throw missing }
            return ProblemDetails.response(.notFound, "no \(target.type.displayName.lowercased()) \(target.id) in \(target.type.collection)")
        } catch {
            if let refused = refusal(error) { return refused }
            throw error
        }
        switch outcome {
        case .written(let record, let run, let queued, let answered):
            context.logger.info("record written", metadata: [
                "token": "\(token)", "record": "\(record.reference)", "run": "\(run)", "queued": "\(queued)"])
            var headers: HTTPFields = [.contentType: "application/json"]
            if created { headers[.location] = "/v1/\(record.reference.type.collection)/\(record.reference.id)" }
            return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: answered.body)))
        case .replay(let replay):
            var response = IdempotencyHeader.response(replay)
            // A replayed create says where the record is, as the first answer did.
            if case .answeredBefore(let kept) = replay, kept.status == HTTPResponse.Status.created.code, case .create(let type, _) = write,
               let object = try? JSONSerialization.jsonObject(with: kept.body) as? [String: Any], let id = object["id"] as? Int {
                response.headers[.location] = "/v1/\(type.collection)/\(id)"
            }
            return response
        }
    }

    /// The answer to a write the domain or the store refused; nil for other failures.
    static func refusal(_ error: any Error) -> Response? {
        switch error {
        case let refusal as DomainError:
            let status: HTTPResponse.Status = refusal.kind == .illegalStep ? .conflict : .unprocessableContent
            return ProblemDetails.response(status, refusal.message, field: refusal.field)
        case let failure as StoreError:
            switch failure.kind {
            case .notFound: return ProblemDetails.response(.notFound, failure.message)
            case .duplicate: return ProblemDetails.response(.conflict, failure.message)
            case .forbidden: return ProblemDetails.response(.forbidden, failure.message)
            case .locked, .unavailable:
                return ProblemDetails.response(.serviceUnavailable, "the database is busy (\(failure.message)); nothing was written, send it again",
                                               headers: [.retryAfter: "2"])
            default: return nil
            }
        default: return nil
        }
    }
}
