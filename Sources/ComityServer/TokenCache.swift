import ComityCore
import Synchronization

/// Tokens the store said were valid, by their hash, kept for a short lifetime so that a
/// client's next requests are not each sent to the store first: that lookup (a hop to a
/// reading engine and a transaction) was a third of a record GET's time. What a cached
/// token costs is that a revocation made elsewhere (`comity tokens revoke`, another
/// server on the same PostgreSQL) takes effect within the lifetime instead of at once.
/// Unknown and revoked tokens are never kept: each of those goes to the store.
final class TokenCache: Sendable {
    let lifetime: Duration
    private let entries = Mutex<[String: (token: AccessToken, until: ContinuousClock.Instant)]>([:])
    /// Only valid tokens are kept, so this bounds memory only against a workspace with
    /// very many tokens in use at once.
    private let capacity = 10_000

    init(lifetime: Duration) {
        self.lifetime = lifetime
    }

    /// The token kept for `hash`, if it was checked within the lifetime.
    func token(hash: String) -> AccessToken? {
        guard lifetime > .zero else { return nil }
        let now = ContinuousClock.now
        return entries.withLock { entries in
            guard let entry = entries[hash] else { return nil }
            guard entry.until > now else {
                entries[hash] = nil
                return nil
            }
            return entry.token
        }
    }

    /// Keeps a token the store has just said is valid.
    func keep(_ token: AccessToken, hash: String) {
        guard lifetime > .zero, token.revokedAt == nil else { return }
        let until = ContinuousClock.now + lifetime
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll() }
            entries[hash] = (token, until)
        }
    }
}
