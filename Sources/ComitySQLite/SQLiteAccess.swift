import ComityCore
import ComitySQL
import GRDB

/// Memberships, networks and shares (tables `access_*`, migration v11): rows only; the
/// rules and the audit are `AccessStore`'s, in ComityCore.
extension SQLiteTransaction: AccessStorage {
    func membershipRows() throws -> [Membership] {
        try Row.fetchAll(db, sql: "SELECT person, organisation, role FROM access_memberships ORDER BY person, organisation").compactMap {
            AccessRowCoding.membership(person: $0[0], organisation: $0[1], role: $0[2])
        }
    }

    func writeMembership(_ membership: Membership) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO access_memberships (person, organisation, role) VALUES (?, ?, ?)",
                       arguments: [membership.person, membership.organisation, membership.role.rawValue])
    }

    func deleteMembership(person: Int64, organisation: Int64) throws -> Bool {
        try db.execute(sql: "DELETE FROM access_memberships WHERE person = ? AND organisation = ?", arguments: [person, organisation])
        return db.changesCount > 0
    }

    func networkRows() throws -> [NetworkMember] {
        try Row.fetchAll(db, sql: "SELECT network, organisation FROM access_networks ORDER BY network, organisation").map {
            NetworkMember(network: $0[0], organisation: $0[1])
        }
    }

    func insertNetworkMember(_ member: NetworkMember) throws -> Bool {
        try db.execute(sql: "INSERT OR IGNORE INTO access_networks (network, organisation) VALUES (?, ?)",
                       arguments: [member.network, member.organisation])
        return db.changesCount > 0
    }

    func deleteNetworkMember(_ member: NetworkMember) throws -> Bool {
        try db.execute(sql: "DELETE FROM access_networks WHERE network = ? AND organisation = ?",
                       arguments: [member.network, member.organisation])
        return db.changesCount > 0
    }

    func shareRows() throws -> [RecordShare] {
        try Row.fetchAll(db, sql: "SELECT id, \(AccessRowCoding.shareColumns) FROM access_shares ORDER BY id").compactMap { row in
            AccessRowCoding.share((0..<9).map { SQLValue(row[$0] as DatabaseValue) })
        }
    }

    func insertShare(_ share: RecordShare) throws -> Int64 {
        try db.execute(sql: "INSERT INTO access_shares (\(AccessRowCoding.shareColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       arguments: StatementArguments(AccessRowCoding.shareValues(share).map(\.databaseValue)))
        return db.lastInsertedRowID
    }

    func deleteShare(id: Int64) throws -> Bool {
        try db.execute(sql: "DELETE FROM access_shares WHERE id = ?", arguments: [id])
        return db.changesCount > 0
    }
}
