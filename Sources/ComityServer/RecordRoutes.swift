import ComityCore
import ComityService
import Foundation
import Hummingbird

/// `GET /v1/COLLECTION` and `GET /v1/COLLECTION/ID` for every record type (`orgs`,
/// `grants`, ...): finds with `find`'s filters, a page at a time, and one record; as the
/// person a token acts as sees them, when it acts as one.
enum RecordRoutes {
    static func add(to api: RouterGroup<ComityRequestContext>, engine: EngineExecutor, schema: DomainSchema) {
        for type in RecordType.allCases {
            api.get(RouterPath(type.collection)) { request, context in
                let person = context.token?.person
                let items = RecordQueryParameters.items(request.uri.query)
                let parameters: RecordQueryParameters
                do {
                    parameters = try RecordQueryParameters(items, type: type, schema: schema)
                } catch let error as QueryParameterError {
                    return ProblemDetails.response(.badRequest, error.description)
                }
                let (query, offset, limit) = (parameters.query, parameters.offset, parameters.limit)
                let found: Result<[Record], DomainError>
                do {
                    found = .success(try await engine.read { engine in
                        try engine.store.read { base in
                            let tx = try engine.scoped(base, as: person)
                            // The pages before are streamed past, never held: only this page and one more are kept.
                            var records: [Record] = []
                            var skipped = 0
                            try tx.forEach(type, query) { record in
                                if skipped < offset {
                                    skipped += 1
                                    return true
                                }
                                records.append(record)
                                return records.count <= limit
                            }
                            return records
                        }
                    })
                } catch let error as DomainError {
                    found = .failure(error)
                }
                switch found {
                case .failure(let error): return ProblemDetails.response(.badRequest, "\(error)")
                case .success(let records):
                    let page = records.prefix(parameters.limit)
                    let more = records.count > parameters.limit
                    let next: JSONTree = more ? .string(String(parameters.offset + parameters.limit)) : .null
                    let body: JSONTree = .object(["records": .array(page.map(RecordJSON.object)), "next_cursor": next])
                    return Response(status: .ok, headers: [.contentType: "application/json"],
                                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: RecordJSON.data(body))))
                }
            }
            api.get(RouterPath("\(type.collection)/:id")) { _, context in
                guard let id = PathID.number(context) else {
                    return ProblemDetails.response(.badRequest, "a record's id is a whole number from 1")
                }
                let reference = RecordReference(type, id)
                let person = context.token?.person
                guard let record = try await engine.read({ engine in
                    try engine.store.read { base in
                        let tx = try engine.scoped(base, as: person)
                        return try tx.record(reference)
                    }
                }) else {
                    return ProblemDetails.response(.notFound, "no \(type.displayName.lowercased()) \(id) in \(type.collection)")
                }
                return Response(status: .ok, headers: [.contentType: "application/json"],
                                body: ResponseBody(byteBuffer: ByteBuffer(bytes: RecordJSON.data(RecordJSON.object(record)))))
            }
        }
        api.get(RouterPath("\(RecordType.event.collection)/:id/participants")) { _, context in
            guard let id = PathID.number(context) else {
                return ProblemDetails.response(.badRequest, "a record's id is a whole number from 1")
            }
            let event = RecordReference(.event, id)
            let person = context.token?.person
            let participants = try await engine.read { engine in
                try engine.store.read { base -> [(participant: RecordReference, role: String)]? in
                    let tx = try engine.scoped(base, as: person)
                    return try tx.record(event) == nil ? nil : try tx.participants(of: event)
                }
            }
            guard let participants else { return ProblemDetails.response(.notFound, "no event \(id) in events") }
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: RecordJSON.data(ParticipantJSON.list(event, participants)))))
        }
    }
}
