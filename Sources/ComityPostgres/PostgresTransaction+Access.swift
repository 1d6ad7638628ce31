import ComityCore
import ComitySQL

/// Memberships, networks and shares (tables `access_*`, migration v4): rows only; the
/// rules and the audit are `AccessStore`'s, in ComityCore.
extension PostgresTransaction: AccessStorage {
    func membershipRows() throws -> [Membership] {
        try session.query("SELECT person, organisation, role FROM access_memberships ORDER BY person, organisation").compactMap {
            AccessRowCoding.membership(person: $0[0].integer, organisation: $0[1].integer, role: $0[2].text)
        }
    }

    func writeMembership(_ membership: Membership) throws {
        try session.execute(
            """
            INSERT INTO access_memberships (person, organisation, role) VALUES (?, ?, ?)
            ON CONFLICT (person, organisation) DO UPDATE SET role = excluded.role
            """, [.integer(membership.person), .integer(membership.organisation), .text(membership.role.rawValue)])
    }

    func deleteMembership(person: Int64, organisation: Int64) throws -> Bool {
        try session.execute("DELETE FROM access_memberships WHERE person = ? AND organisation = ?",
                            [.integer(person), .integer(organisation)]) > 0
    }

    func networkRows() throws -> [NetworkMember] {
        try session.query("SELECT network, organisation FROM access_networks ORDER BY network, organisation").compactMap { row in
            guard let network = row[0].text, let organisation = row[1].integer else { return nil }
            return NetworkMember(network: network, organisation: organisation)
        }
    }

    func insertNetworkMember(_ member: NetworkMember) throws -> Bool {
        try session.execute("INSERT INTO access_networks (network, organisation) VALUES (?, ?) ON CONFLICT DO NOTHING",
                            [.text(member.network), .integer(member.organisation)]) > 0
    }

    func deleteNetworkMember(_ member: NetworkMember) throws -> Bool {
        try session.execute("DELETE FROM access_networks WHERE network = ? AND organisation = ?",
                            [.text(member.network), .integer(member.organisation)]) > 0
    }

    func shareRows() throws -> [RecordShare] {
        try session.query("SELECT id, \(AccessRowCoding.shareColumns) FROM access_shares ORDER BY id").compactMap { row in
            AccessRowCoding.share((0..<9).map { row[$0] })
        }
    }

    func insertShare(_ share: RecordShare) throws -> Int64 {
        let id = try session.scalar(
            "INSERT INTO access_shares (\(AccessRowCoding.shareColumns)) VALUES (?, ?, ?, ?, ?::bigint, ?, ?, ?) RETURNING id",
            AccessRowCoding.shareValues(share))
        guard let id = id.integer else { throw StoreError(.database, "\(session.location): inserting a share returned no id") }
        return id
    }

    func deleteShare(id: Int64) throws -> Bool {
        try session.execute("DELETE FROM access_shares WHERE id = ?", [.integer(id)]) > 0
    }
}
