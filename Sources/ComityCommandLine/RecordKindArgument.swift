import ArgumentParser
import ComityCore

/// A record type on the command line: its collection (`orgs`, `grants`), its name
/// (`organisation`, `grant`) or that name in the plural (`organisations`, `people`).
struct RecordKind: ExpressibleByArgument {
    let type: RecordType

    init?(argument: String) {
        let name = argument.lowercased()
        guard let type = RecordType.allCases.first(where: { Self.names($0).contains(name) }) else { return nil }
        self.type = type
    }

    static func names(_ type: RecordType) -> Set<String> {
        var names: Set<String> = [type.collection, type.rawValue, type.rawValue + "s"]
        if type == .organisation { names.formUnion(["organisations", "organizations", "organization"]) }
        return names
    }

    static var allValueStrings: [String] { RecordType.allCases.map(\.collection) }
}
