import ArgumentParser
import ComityCore

/// A record type on the command line: its collection (`orgs`, `grants`) or its name
/// (`organisation`, `organisations`, `grant`).
struct RecordKind: ExpressibleByArgument {
    let type: RecordType

    init?(argument: String) {
        let name = argument.lowercased()
        guard let type = RecordType.allCases.first(where: {
            [$0.collection, $0.rawValue, $0.rawValue + "s", $0 == .person ? "people" : $0.rawValue + "s",
             $0 == .organisation ? "organisations" : "", $0 == .organisation ? "organizations" : ""].contains(name)
        }) else { return nil }
        self.type = type
    }

    static var allValueStrings: [String] { RecordType.allCases.map(\.collection) }
}
