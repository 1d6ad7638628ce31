import ComityCore

/// An instant from ISO 8601 text, for a test's clock.
func instant(_ text: String) throws -> Timestamp { try Timestamp(parsing: text) }
