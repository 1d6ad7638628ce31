import Crypto
import Foundation
import Synchronization

/// The dashboard's signed-in sessions, in the server's memory: a random id (the
/// session cookie) for the hash of the token signed in with, and the session's CSRF
/// token, which every form sends back. A restart of the server signs everyone out;
/// revoking the token ends its sessions at their next request.
final class DashboardSessions: Sendable {
    struct Session: Sendable {
        var tokenHash: String
        var csrf: String
        var expires: Date
    }

    /// How long a session lasts from sign-in.
    static let lifetime: TimeInterval = 8 * 3600
    private let sessions = Mutex<[String: Session]>([:])

    /// A new session for the token whose hash is `tokenHash`, and its id.
    func open(tokenHash: String, now: Date = Date()) -> (id: String, session: Session) {
        let id = Self.randomText()
        let session = Session(tokenHash: tokenHash, csrf: Self.randomText(), expires: now.addingTimeInterval(Self.lifetime))
        sessions.withLock { sessions in
            sessions = sessions.filter { $0.value.expires > now }
            sessions[id] = session
        }
        return (id, session)
    }

    /// The session of `id`, unless it has ended.
    func session(_ id: String, now: Date = Date()) -> Session? {
        sessions.withLock { sessions in
            guard let session = sessions[id] else { return nil }
            guard session.expires > now else {
                sessions[id] = nil
                return nil
            }
            return session
        }
    }

    func close(_ id: String) {
        _ = sessions.withLock { $0.removeValue(forKey: id) }
    }

    /// 32 random bytes as base64url: a session id, a CSRF token.
    static func randomText() -> String {
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        return bytes.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Whether two secrets are equal, in a time that does not depend on where they differ.
    static func same(_ given: String, _ expected: String) -> Bool {
        let (a, b) = (Array(given.utf8), Array(expected.utf8))
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
