/// Migration v3 (SQLite's v10): a queued run keeps its parameters, and the answers of
/// API writes sent with an `Idempotency-Key`, frozen here as text.
enum PostgresMigrationV3 {
    static let statements: [String] = [
        #"""
        ALTER TABLE run_queue ADD COLUMN parameters JSONB NOT NULL DEFAULT '{}'
        """#,
        #"""
        CREATE TABLE idempotent_responses (
          token TEXT NOT NULL,
          key TEXT NOT NULL,
          request TEXT NOT NULL,
          status BIGINT NOT NULL,
          body BYTEA NOT NULL,
          created_at BIGINT NOT NULL,
          PRIMARY KEY (token, key)
        )
        """#,
    ]
}
