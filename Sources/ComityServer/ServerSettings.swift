/// How `comity serve` listens and what it accepts.
public struct ServerSettings: Sendable {
    /// 127.0.0.1 by default: TLS and exposure are a reverse proxy's to give.
    public var host = "127.0.0.1"
    /// 0 picks a free port (the address is logged once listening).
    public var port = 8080
    /// The largest request body taken (a webhook's); larger ones get 413.
    public var maxBodySize = 1 << 20
    /// How long a failed authentication waits before its 401, so guessing is slow.
    public var failedAuthenticationDelay: Duration = .milliseconds(250)
    /// How far a Standard Webhooks `webhook-timestamp` may be from the server's clock.
    public var timestampTolerance: Int64 = 300
    /// A connection that sends nothing for this long is closed.
    public var idleTimeout: Duration = .seconds(30)
    /// How long a webhook's body may take to arrive, however steadily it trickles.
    public var bodyTimeout: Duration = .seconds(30)
    /// How many webhook bodies are read at once; more get 503 with Retry-After, so that
    /// unauthenticated clients cannot hold the server's memory with slow bodies.
    public var concurrentBodies = 32

    /// How long a token the store found valid is trusted without asking it again, so a
    /// revocation takes effect within this; zero asks the store on every request.
    public var tokenCacheLifetime: Duration = .seconds(2)

    public init() {}
}
