import ComityCore
import Foundation

/// A domain event's data as JSON in `domain_events.fields` and `.changes`. Each value
/// says its own kind (`{"money": 150000, "currency": "RUB"}`, `{"time": 1611648000}`),
/// so an event reads back typed as it was written even after the schema's custom
/// fields change.
public enum EventDataCoding {
    public static func encode(_ fields: [String: FieldValue]) -> String {
        ColumnValues.json(fields.mapValues(object))
    }

    public static func encode(_ changes: [String: FieldChange]) -> String {
        ColumnValues.json(changes.mapValues { change -> [String: Any] in
            var pair: [String: Any] = [:]
            if let old = change.old { pair["old"] = object(old) }
            if let new = change.new { pair["new"] = object(new) }
            return pair
        })
    }

    public static func fields(_ text: String?) -> [String: FieldValue] {
        guard let parsed = parse(text) else { return [:] }
        return parsed.compactMapValues { ($0 as? [String: Any]).flatMap(value) }
    }

    public static func changes(_ text: String?) -> [String: FieldChange] {
        guard let parsed = parse(text) else { return [:] }
        return parsed.compactMapValues { entry -> FieldChange? in
            guard let pair = entry as? [String: Any] else { return nil }
            return FieldChange(old: (pair["old"] as? [String: Any]).flatMap(value),
                               new: (pair["new"] as? [String: Any]).flatMap(value))
        }
    }

    private static func parse(_ text: String?) -> [String: Any]? {
        guard let text, let data = text.data(using: .utf8) else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }

    private static func object(_ value: FieldValue) -> [String: Any] {
        switch value {
        case .string(let s): ["string": s]
        case .integer(let i): ["integer": i]
        case .decimal(let s): ["decimal": s]
        case .boolean(let b): ["boolean": b]
        case .date(let d): ["date": d.description]
        case .time(let t): ["time": t.secondsSince1970]
        case .money(let m): ["money": m.minorUnits, "currency": m.currency.code]
        case .strings(let list): ["strings": list]
        case .reference(let r): ["reference": r.type.rawValue, "id": r.id]
        case .references(let list): ["references": list.map { ["type": $0.type.rawValue, "id": $0.id] as [String: Any] }]
        }
    }

    private static func value(_ object: [String: Any]) -> FieldValue? {
        if let s = object["string"] as? String { return .string(s) }
        if let n = object["integer"] as? NSNumber { return .integer(n.int64Value) }
        if let s = object["decimal"] as? String { return .decimal(s) }
        if let n = object["boolean"] as? NSNumber { return .boolean(n.boolValue) }
        if let s = object["date"] as? String { return (try? CalendarDate(parsing: s)).map { .date($0) } }
        if let n = object["time"] as? NSNumber { return .time(Timestamp(secondsSince1970: n.int64Value)) }
        if let n = object["money"] as? NSNumber, let code = object["currency"] as? String, let currency = try? Currency(code) {
            return .money(Money(minorUnits: n.int64Value, currency: currency))
        }
        if let list = object["strings"] as? [String] { return .strings(list) }
        if let typeName = object["reference"] as? String, let type = RecordType(rawValue: typeName),
           let id = (object["id"] as? NSNumber)?.int64Value {
            return .reference(RecordReference(type, id))
        }
        if let list = object["references"] as? [[String: Any]] {
            return .references(list.compactMap { entry in
                guard let typeName = entry["type"] as? String, let type = RecordType(rawValue: typeName),
                      let id = (entry["id"] as? NSNumber)?.int64Value else { return nil }
                return RecordReference(type, id)
            })
        }
        return nil
    }
}
