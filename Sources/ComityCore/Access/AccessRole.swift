/// What a member of an organisation may do, each role including the ones before it.
public enum AccessRole: String, Sendable, CaseIterable, Comparable, CustomStringConvertible {
    /// Reads the organisation's records, and those shared with it.
    case viewer
    /// Also creates and changes the organisation's records, and those shared with it to edit.
    case editor
    /// Reads and changes every record of the networks the organisation belongs to, and
    /// records that belong to no organisation.
    case coordinator
    /// Also manages the organisation's members and shares.
    case admin

    public static func < (a: AccessRole, b: AccessRole) -> Bool { a.rank < b.rank }

    private var rank: Int {
        switch self {
        case .viewer: 0
        case .editor: 1
        case .coordinator: 2
        case .admin: 3
        }
    }

    public var description: String { rawValue }

    /// A role by name, or an error that lists the roles.
    public init(named name: String, field: String = "role") throws(DomainError) {
        guard let role = AccessRole(rawValue: name) else {
            throw DomainError(.invalidValue, field: field,
                              "invalid role '\(name)' (allowed: \(AccessRole.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        self = role
    }
}
