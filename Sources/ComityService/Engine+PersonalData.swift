import ComityCore
import Foundation

/// `comity people export PERSON`: everything the workspace holds about a person, for a
/// data subject access request; `comity people forget PERSON`: their personal data erased.
extension Engine {
    /// Erases a person's personal fields everywhere the store keeps them (see
    /// `PersonalDataStore`), in one transaction; returns their name and what was erased.
    public func forget(_ person: String) throws -> (name: String, erased: ForgottenData) {
        try store.write(commit: true) { tx in
            let record = try AccessPolicy.person(named: person, in: tx)
            let erased = try tx.forget(record.reference, context: ChangeContext(run: nil, at: Timestamp(Date()), timeZone: workspace.timeZone))
            return (Self.name(record), erased)
        }
    }

    /// As one JSON document: the person's record (every field, personal ones included),
    /// its audit, their memberships and the tokens that act as them, the tasks assigned to
    /// them, the events they take part in, and the messages addressed to their email.
    public func personalData(of person: String) throws -> JSONTree {
        try store.read { tx in
            let record = try AccessPolicy.person(named: person, in: tx)
            func text(_ value: String?) -> JSONTree { value.map { .string($0) } ?? .null }
            var fields: [String: JSONTree] = [:]
            for (name, value) in record.fields { fields[name] = .string(value.description) }
            let audit: [JSONTree] = try tx.audit(of: record.reference).map { entry in
                .object(["at": .string(entry.at.description), "action": .string(entry.action.rawValue), "field": text(entry.field),
                         "old": text(entry.oldValue), "new": text(entry.newValue), "run": text(entry.run), "by": text(entry.principal)])
            }
            let memberships: [JSONTree] = try tx.memberships().filter { $0.person == record.id }.map { membership in
                .object(["organisation": .integer(membership.organisation),
                         "name": .string(try Self.name(of: RecordReference(.organisation, membership.organisation), in: tx)),
                         "role": .string(membership.role.rawValue)])
            }
            let tokens: [JSONTree] = try tx.tokens().filter { $0.person == record.id }.map { .string($0.name) }
            var tasks: [JSONTree] = []
            try tx.forEach(.task, RecordQuery(filters: [RecordQuery.Filter("assignee", .equal, .reference(record.reference))], includeArchived: true)) {
                tasks.append(.object(["id": .integer($0.id), "title": .string($0.fields["title"]?.description ?? ""), "status": text($0.status)]))
                return true
            }
            var events: [JSONTree] = []
            try tx.forEach(.event, RecordQuery(filters: [RecordQuery.Filter("participant", .equal, .reference(record.reference))], includeArchived: true)) { event in
                let roles = (try? tx.participants(of: event.reference))?.filter { $0.participant == record.reference }.map(\.role) ?? []
                events.append(.object(["id": .integer(event.id), "title": .string(event.fields["title"]?.description ?? ""),
                                       "roles": .array(roles.map(JSONTree.string))]))
                return true
            }
            var messages: [JSONTree] = []
            if case .string(let email)? = record.fields["email"] {
                for message in try tx.messages(MessageSelection(status: nil, withAttachmentData: false))
                where (message.to + message.cc + message.bcc).contains(where: { $0.address.lowercased() == email.lowercased() }) {
                    messages.append(.object(["id": .integer(message.id), "subject": .string(message.subject), "status": .string(message.status.rawValue),
                                             "queued_at": .string(message.queuedAt.description), "body": .string(message.body)]))
                }
            }
            return .object([
                "person": .object(["id": .integer(record.id), "created_at": .string(record.createdAt.description),
                                   "updated_at": .string(record.updatedAt.description), "owner": record.owner.map { .integer($0) } ?? .null,
                                   "fields": .object(fields)]),
                "audit": .array(audit), "memberships": .array(memberships), "tokens": .array(tokens),
                "tasks_assigned": .array(tasks), "events": .array(events), "messages": .array(messages),
            ])
        }
    }
}
