import Foundation

/// A webhook delivery's headers as the JSON object both stores keep them in.
public enum WebhookHeaderCoding {
    public static func json(_ headers: [String: String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(headers)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    public static func headers(_ json: String?) -> [String: String] {
        guard let json, let decoded = try? JSONDecoder().decode([String: String].self, from: Data(json.utf8)) else { return [:] }
        return decoded
    }
}
