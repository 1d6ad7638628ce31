/// Migration v5 (SQLite's v12): a run keeps the person it acted as, frozen here as text.
enum PostgresMigrationV5 {
    static let statements: [String] = [
        #"""
        ALTER TABLE runs ADD COLUMN acting_as TEXT
        """#,
    ]
}
