/// A person's place in an organisation: who the person acts for, and with what role.
public struct Membership: Sendable, Hashable {
    public let person: Int64
    public let organisation: Int64
    public let role: AccessRole

    public init(person: Int64, organisation: Int64, role: AccessRole) {
        self.person = person
        self.organisation = organisation
        self.role = role
    }
}

/// An organisation's place in a network: a named group of organisations that shares
/// (`RecordShare`) and coordinators' rights reach as one.
public struct NetworkMember: Sendable, Hashable {
    public let network: String
    public let organisation: Int64

    public init(network: String, organisation: Int64) {
        self.network = network
        self.organisation = organisation
    }

    /// A network's name: letters, digits, `-` and `_`, as it is typed on a command line.
    public static func checkName(_ name: String) throws(DomainError) {
        let allowed = name.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" }
        guard !name.isEmpty, name.count <= 100, allowed else {
            throw DomainError(.invalidValue, field: "network",
                              "invalid network name '\(name)' (letters, digits, - and _, at most 100 characters)")
        }
    }
}
