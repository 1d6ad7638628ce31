import ComityCore
import Foundation
import HumanReadable

/// An event's participants as the API reads and writes them: `{ "participant": { "type":
/// "organisation", "id": 4 }, "role": "organiser" }`, as `events.add_participant` takes
/// them; the list answered is `{ "event": 7, "participants": [...] }` in the order they
/// were added.
enum ParticipantJSON {
    static let fields = ["participant", "role"]

    /// The participant and role a `POST /v1/events/ID/participants` body names.
    static func input(_ data: Data) throws -> (participant: RecordReference, role: String) {
        let tree: JSONTree
        do {
            tree = try JSONTree.decodeRefusingDuplicateKeys(data)
        } catch let duplicate as JSONTree.DuplicateKey {
            throw RecordJSONInput.Malformed(description: duplicate.description)
        } catch {
            throw RecordJSONInput.Malformed(description: "the body is not JSON; send {\"participant\": {\"type\": \"organisation\", \"id\": 4}, \"role\": \"organiser\"}")
        }
        guard case .object(let object) = tree else {
            throw RecordJSONInput.Malformed(description: "the body is a JSON \(tree.kindName); send a JSON object with participant and role")
        }
        for name in object.keys.sorted() where !fields.contains(name) {
            let near = NameSuggestion.closest(to: name, among: fields).map { " (did you mean '\($0)'?)" } ?? ""
            throw DomainError(.invalidValue, field: name, "an event's participant has no field '\(name)'\(near); it has participant and role")
        }
        let participant: RecordReference
        switch object["participant"] {
        case .object(let link)?:
            guard link.count == 2, case .string(let name)? = link["type"], let type = RecordType(rawValue: name),
                  case .integer(let id)? = link["id"], id > 0 else {
                throw DomainError(.invalidValue, field: "participant", "participant must be {\"type\": \"organisation\" or \"person\", \"id\": a whole number from 1}")
            }
            participant = RecordReference(type, id)
        case nil, .null?:
            throw DomainError(.invalidValue, field: "participant", "participant is required: {\"type\": \"organisation\", \"id\": 4}")
        default:
            throw DomainError(.invalidValue, field: "participant", "participant must be {\"type\": \"organisation\" or \"person\", \"id\": a whole number from 1}")
        }
        guard case .string(let role)? = object["role"] else {
            throw DomainError(.invalidValue, field: "role", "role is required, as text (\(DomainSchema.participantRoles.joined(separator: ", ")))")
        }
        return (participant, role)
    }

    /// The event's participants after a write, read in its transaction.
    static func answer(_ event: Record, _ transaction: any StoreTransaction) throws -> JSONTree {
        list(event.reference, try transaction.participants(of: event.reference))
    }

    static func list(_ event: RecordReference, _ participants: [(participant: RecordReference, role: String)]) -> JSONTree {
        .object(["event": .integer(event.id), "participants": .array(participants.map { entry in
            .object(["participant": .object(["type": .string(entry.participant.type.rawValue), "id": .integer(entry.participant.id)]),
                     "role": .string(entry.role)])
        })])
    }
}
