import ComityCore
import ComityMessages
import Foundation
import HumanReadable
import LuaBridge

/// A network's folder: `comity.lua` (its configuration), `Scripts/`, `Plugins/` and
/// the database. Found as the nearest folder upwards with a `comity.lua`; without
/// one, the current folder with the defaults.
public struct Workspace: Sendable {
    public let folder: URL
    /// Whether a `comity.lua` was found (else every setting is a default).
    public let configured: Bool
    /// The SQLite file (`database` in comity.lua); also where a PostgreSQL workspace
    /// keeps the run records its server could not take (see `RunRecordSpool`).
    public let databasePath: String
    /// A PostgreSQL database instead of the SQLite file: `store = { postgres = URL }` in
    /// comity.lua, or `COMITY_DATABASE_URL` in the environment (which wins).
    public var postgresURL: String?
    /// How long a PostgreSQL transaction may wait for its next statement before the
    /// server ends it, freeing its locks (a paused or stuck worker): `idle_timeout` in
    /// `store`, 60s by default. A run may compute up to its time limit regardless.
    public var postgresIdleTimeout: Duration = .seconds(60)
    public let timeZone: TimeZone
    public let schema: DomainSchema
    /// How long a chain of runs triggering runs may grow (`max_trigger_depth`).
    public var maxTriggerDepth = 8
    /// How long a command waits for another process's lock on the database before it
    /// gives up (`lock_timeout`, 5s by default).
    public var lockTimeout: Duration = .seconds(5)
    /// How `comity outbox deliver` sends: by default, `.eml` files in `mail/`.
    public var mail: MailSettings?
    /// How scheduled workflows are run (`scheduling` in comity.lua).
    public var scheduling = SchedulingSettings()
    /// Files scripts read from `inbox/` (`files` in comity.lua).
    public var files = FileSettings()
    /// `hooks`: the webhooks `comity serve` takes, by name.
    public var hooks: [String: WebhookSettings] = [:]
    /// What each plugin is granted (`plugins` in comity.lua), as `send_mail`, `secrets:KEY`.
    public var pluginGrants: [String: Set<String>] = [:]
    /// The plugins in `Plugins/`, read once when the workspace is: their custom fields
    /// are in `schema`, their functions go into `pluginsAndAPI()`.
    public var plugins = PluginCatalog(plugins: [])

    /// The mail settings in force: the configured ones, or the safe default (files in
    /// `mail/`, nothing leaves the machine).
    public var mailSettings: MailSettings {
        mail ?? MailSettings(from: "comity@localhost", transport: .folder(folder.appendingPathComponent("mail")))
    }

    static func mailSettings(_ table: LuaTable, folder: URL, file shown: String) throws(LuaError) -> MailSettings {
        for key in table.hash.keys where !["from", "transport", "command", "folder", "timeout"].contains(key.stringValue ?? "") {
            throw LuaError(.runtime, "\(shown): mail has no setting '\(key.stringValue ?? key.typeName)' (settings: from, transport, command, folder, timeout)")
        }
        let from = table["from"].stringValue ?? "comity@localhost"
        // It is written as the From header of every message: one line, nothing else.
        guard !TextValidity.hasControlCharacter(from) else {
            throw LuaError(.runtime, "\(shown): mail.from \(MessageHeaders.quoted(from)) holds a control character; give one address such as network@example.org")
        }
        var timeout = Duration.seconds(60)
        if let text = table["timeout"].stringValue {
            do {
                timeout = try DurationText.read(text)
            } catch {
                throw LuaError(.runtime, "\(shown): mail.timeout '\(text)' is \(error)")
            }
        }
        switch table["transport"].stringValue ?? "folder" {
        case "sendmail":
            return MailSettings(from: from, transport: .sendmail(command: table["command"].stringValue ?? "/usr/sbin/sendmail"), timeout: timeout)
        case "folder":
            let path = table["folder"].stringValue ?? "mail"
            return MailSettings(from: from, transport: .folder(path.hasPrefix("/") ? URL(fileURLWithPath: path) : folder.appendingPathComponent(path)),
                                timeout: timeout)
        case let other:
            throw LuaError(.runtime, "\(shown): mail.transport '\(other)' is not \"sendmail\" or \"folder\"")
        }
    }

    /// `plugins = { greet = { "read_inbox", "send_mail", secrets = { "KEY" }, http = { "host" } } }`.
    static func pluginGrants(_ table: LuaTable, file shown: String) throws(LuaError) -> [String: Set<String>] {
        var grants: [String: Set<String>] = [:]
        for (key, value) in table.hash {
            guard let plugin = key.stringValue, case .table(let given) = value else {
                throw LuaError(.runtime, "\(shown): plugins.\(key.stringValue ?? key.typeName) must be a table of permissions, e.g. { \"send_mail\" }")
            }
            var granted: Set<String> = []
            for permission in given.array {
                guard let name = permission.stringValue, ["read_inbox", "send_mail"].contains(name) else {
                    throw LuaError(.runtime, "\(shown): plugins.\(plugin): '\(permission.stringValue ?? permission.typeName)' is not a permission (read_inbox, send_mail, secrets = {...}, http = {...})")
                }
                granted.insert(name)
            }
            for (kind, names) in given.hash {
                guard let kindName = kind.stringValue, ["secrets", "http"].contains(kindName), case .table(let list) = names,
                      list.array.allSatisfy({ $0.stringValue != nil }) else {
                    throw LuaError(.runtime, "\(shown): plugins.\(plugin).\(kind.stringValue ?? kind.typeName) must be secrets = { \"NAME\" } or http = { \"host\" }")
                }
                for name in list.array.compactMap(\.stringValue) { granted.insert("\(kindName):\(name)") }
            }
            grants[plugin] = granted
        }
        return grants
    }

    /// The workspace's plugins, with the custom fields they add put in `schema` (a
    /// broken plugin adds none; `comity plugins list` says why).
    static func loadPlugins(adding schema: inout DomainSchema, folder: URL) throws -> PluginCatalog {
        let catalog = PluginCatalog.load(from: folder.appendingPathComponent("Plugins"))
        for plugin in catalog.plugins where plugin.isLoaded {
            for (type, field) in plugin.manifest?.customFields ?? [] {
                do {
                    try schema.addCustomField(field, to: type)
                } catch {
                    throw LuaError(.runtime, "Plugins/\(plugin.name)/plugin.lua: provides.custom_fields.\(type.rawValue).\(field.name): \(error.message)")
                }
            }
        }
        return catalog
    }

    public static let configurationFile = "comity.lua"

    /// The workspace that contains `start`.
    public static func find(from start: URL) throws -> Workspace {
        var folder = start.standardizedFileURL
        while true {
            let candidate = folder.appendingPathComponent(configurationFile)
            if FileManager.default.fileExists(atPath: candidate.path) { return try load(folder) }
            let parent = folder.deletingLastPathComponent()
            if parent.path == folder.path { break }
            folder = parent
        }
        var schema = DomainSchema.standard
        let plugins = try loadPlugins(adding: &schema, folder: start.standardizedFileURL)
        var workspace = Workspace(folder: start.standardizedFileURL, configured: false,
                                  databasePath: start.appendingPathComponent(".comity/comity.db").path, timeZone: .gmt, schema: schema)
        workspace.plugins = plugins
        return workspace
    }

    /// Reads `folder/comity.lua`: a Lua file that returns a table (run in the sandbox,
    /// with no API). Mistakes name the file and the setting.
    public static func load(_ folder: URL) throws -> Workspace {
        let file = folder.appendingPathComponent(configurationFile)
        let shown = configurationFile
        let sandbox = try LuaSandbox(limits: LuaLimits(memory: 16 << 20, time: .seconds(5), output: 64 << 10)) { _ in }
        defer { sandbox.close() }
        let results = try sandbox.runFile(file.path, chunkName: shown)
        guard case .table(let table) = results.first else {
            throw LuaError(.runtime, "\(shown): must return a table of settings, e.g. return { time_zone = \"UTC\" }")
        }
        let known = ["time_zone", "database", "store", "lock_timeout", "custom_fields", "max_trigger_depth", "mail", "scheduling", "plugins", "files", "hooks"]
        for key in table.hash.keys {
            let name = key.stringValue ?? "\(key)"
            if !known.contains(name) {
                var message = "\(shown): unknown setting '\(name)'"
                if let near = NameSuggestion.closest(to: name, among: known) { message += " (did you mean '\(near)'?)" }
                throw LuaError(.runtime, message + " (settings: \(known.joined(separator: ", ")))")
            }
        }
        var timeZone = TimeZone.gmt
        if let zone = table["time_zone"].stringValue {
            guard let found = TimeZone(identifier: zone) else {
                throw LuaError(.runtime, "\(shown): time_zone '\(zone)' is not a known zone (such as UTC or Europe/Moscow)")
            }
            timeZone = found
        } else if table["time_zone"] != .nil {
            throw LuaError(.runtime, "\(shown): time_zone must be a string such as \"Europe/Moscow\"")
        }
        var database = folder.appendingPathComponent(".comity/comity.db").path
        if let path = table["database"].stringValue {
            database = path.hasPrefix("/") ? path : folder.appendingPathComponent(path).path
        } else if table["database"] != .nil {
            throw LuaError(.runtime, "\(shown): database must be a path such as \".comity/comity.db\"")
        }
        let postgresURL = try Self.postgresURL(table["store"], databaseGiven: table["database"] != .nil, file: shown)
        let idleTimeout = try Self.postgresIdleTimeout(table["store"], file: shown)
        var schema = DomainSchema.standard
        if case .table(let custom) = table["custom_fields"] {
            try CustomFieldSettings.apply(custom, to: &schema, file: shown)
        } else if table["custom_fields"] != .nil {
            throw LuaError(.runtime, "\(shown): custom_fields must be a table by record type, e.g. { organisation = { ... } }")
        }
        var depth = 8
        switch table["max_trigger_depth"] {
        case .nil: break
        case .integer(let n) where (1...100).contains(n): depth = Int(n)
        default: throw LuaError(.runtime, "\(shown): max_trigger_depth must be a whole number from 1 to 100 (default 8)")
        }
        var lockTimeout = Duration.seconds(5)
        switch table["lock_timeout"] {
        case .nil: break
        case .string(let text):
            guard let parsed = DurationText.parse(text.description), parsed > .zero, parsed <= .seconds(86_400) else {
                throw LuaError(.runtime, "\(shown): lock_timeout '\(text)' must be a duration from 1ms to 1d, such as \"5s\" or \"2m\"")
            }
            lockTimeout = parsed
        default: throw LuaError(.runtime, "\(shown): lock_timeout must be a duration such as \"5s\" (default 5s)")
        }
        let plugins = try loadPlugins(adding: &schema, folder: folder)
        var workspace = Workspace(folder: folder, configured: true, databasePath: database, timeZone: timeZone, schema: schema)
        workspace.plugins = plugins
        workspace.postgresURL = ProcessInfo.processInfo.environment["COMITY_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? postgresURL
        workspace.postgresIdleTimeout = idleTimeout
        workspace.maxTriggerDepth = depth
        workspace.lockTimeout = lockTimeout
        switch table["plugins"] {
        case .nil: break
        case .table(let grants): workspace.pluginGrants = try Self.pluginGrants(grants, file: shown)
        default: throw LuaError(.runtime, "\(shown): plugins must be a table of grants, e.g. { greet = { \"send_mail\", secrets = { \"API_KEY\" } } }")
        }
        switch table["scheduling"] {
        case .nil: break
        case .table(let settings): workspace.scheduling = try SchedulingSettings(settings, file: shown)
        default: throw LuaError(.runtime, "\(shown): scheduling must be a table, e.g. { lease_margin = \"30s\" }")
        }
        switch table["files"] {
        case .nil: break
        case .table(let settings): workspace.files = try FileSettings(settings, file: shown)
        default: throw LuaError(.runtime, "\(shown): files must be a table, e.g. { max_size = \"64MB\" }")
        }
        switch table["hooks"] {
        case .nil: break
        case .table(let hooks): workspace.hooks = try WebhookSettings.all(hooks, file: shown)
        default: throw LuaError(.runtime, "\(shown): hooks must be a table, e.g. { kobo = { secret = \"KOBO_SECRET\", workflow = \"intake\" } }")
        }
        switch table["mail"] {
        case .nil: break
        case .table(let mail): workspace.mail = try Self.mailSettings(mail, folder: folder, file: shown)
        default: throw LuaError(.runtime, "\(shown): mail must be a table, e.g. { from = \"network@example.org\", transport = \"sendmail\" }")
        }
        return workspace
    }

    /// `store = { postgres = "postgres://user@host:5432/db" }`: the URL, checked for what
    /// must not be in comity.lua (a password: it goes in ~/.pgpass or PGPASSWORD).
    static func postgresURL(_ value: LuaValue, databaseGiven: Bool, file shown: String) throws(LuaError) -> String? {
        guard case .table(let store) = value else {
            if value == .nil { return nil }
            throw LuaError(.runtime, "\(shown): store must be a table, e.g. { postgres = \"postgres://comity@db.example.org/network\" }")
        }
        for key in store.hash.keys where !["postgres", "idle_timeout"].contains(key.stringValue) {
            throw LuaError(.runtime, "\(shown): store has no setting '\(key.stringValue ?? key.typeName)' (settings: postgres, idle_timeout; the SQLite file is 'database')")
        }
        guard let url = store["postgres"].stringValue else {
            throw LuaError(.runtime, "\(shown): store.postgres must be a URL such as \"postgres://comity@db.example.org:5432/network\"")
        }
        guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
            throw LuaError(.runtime, "\(shown): store.postgres '\(DatabaseURL.redacted(url))' is not a PostgreSQL URL (postgres://user@host:5432/database)")
        }
        // In the user part (user:secret@) or the query (?password=), as libpq takes both.
        if let components = URLComponents(string: url),
           components.password != nil || components.queryItems?.contains(where: { $0.name == "password" }) == true {
            throw LuaError(.runtime, "\(shown): store.postgres holds a password; comity.lua is shared with scripts and kept in version control, "
                + "so the password goes in ~/.pgpass (host:port:database:user:password, chmod 600) or PGPASSWORD")
        }
        if databaseGiven {
            throw LuaError(.runtime, "\(shown): both database (an SQLite file) and store.postgres are set; keep one")
        }
        return url
    }

    /// `store.idle_timeout`: from 1s to 1d, 60s when not given.
    static func postgresIdleTimeout(_ value: LuaValue, file shown: String) throws(LuaError) -> Duration {
        guard case .table(let store) = value, store["idle_timeout"] != .nil else { return .seconds(60) }
        guard let text = store["idle_timeout"].stringValue, let duration = DurationText.parse(text),
              duration >= .seconds(1), duration <= .seconds(86_400) else {
            throw LuaError(.runtime, "\(shown): store.idle_timeout must be a duration from 1s to 1d, such as \"60s\" (the default)")
        }
        return duration
    }

    /// Makes a workspace in `folder`: `comity.lua`, `Scripts/`, `Plugins/`, `inbox/` and the
    /// database (made by `openStore`). Resumable, as an interrupted or repeated init must be:
    /// what is there already (`comity.lua` included) is kept as it is and only what is
    /// missing is made. Returns what it made.
    @discardableResult
    public static func initialise(
        _ folder: URL, openStore: (_ workspace: Workspace) throws -> any Store
    ) throws -> [String] {
        var made: [String] = []
        // What this init made, taken away again when the store cannot be opened (found: an
        // init on a PostgreSQL server that was down left a workspace that named it).
        var madeHere: [URL] = []
        let file = folder.appendingPathComponent(configurationFile)
        do {
            for sub in ["", "Scripts", "Plugins", "inbox"] {
                let path = folder.appendingPathComponent(sub)
                if !FileManager.default.fileExists(atPath: path.path) {
                    try FileManager.default.createDirectory(at: path, withIntermediateDirectories: true)
                    madeHere.append(path)
                    if !sub.isEmpty { made.append(sub + "/") }
                }
            }
            if !FileManager.default.fileExists(atPath: file.path) {
                // Made for the PostgreSQL database of COMITY_DATABASE_URL, the workspace names
                // it, so that a later command without that variable finds the same store.
                let given = ProcessInfo.processInfo.environment["COMITY_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
                try template(postgres: given.map(DatabaseURL.withoutPassword)).write(to: file, atomically: true, encoding: .utf8)
                madeHere.append(file)
                made.insert(configurationFile, at: 0)
            }
            let workspace = try load(folder)
            let hadDatabase = workspace.postgresURL != nil || FileManager.default.fileExists(atPath: workspace.databasePath)
            _ = try openStore(workspace)
            if !hadDatabase {
                let shown = workspace.databasePath.hasPrefix(folder.path + "/")
                    ? String(workspace.databasePath.dropFirst(folder.path.count + 1)) : workspace.databasePath
                made.append(shown)
            }
        } catch {
            // Folders only while empty: nothing another process put there is removed.
            for path in madeHere.reversed() where path == file || (try? FileManager.default.contentsOfDirectory(atPath: path.path))?.isEmpty == true {
                try? FileManager.default.removeItem(at: path)
            }
            throw error
        }
        return made
    }

    /// A new comity.lua; with `postgres`, its store is that database.
    static func template(postgres: String?) -> String {
        guard let postgres else { return template }
        let commented = "  -- store = { postgres = \"postgres://comity@db.example.org:5432/network\" },\n"
        // As a Lua string: a URL that URLComponents could not read is written as given.
        var quoted = ""
        for character in postgres.unicodeScalars {
            switch character {
            case "\\": quoted += "\\\\"
            case "\"": quoted += "\\\""
            case _ where character.value < 0x20 || character.value == 0x7F: quoted += "\\" + String(format: "%03d", character.value)
            default: quoted.unicodeScalars.append(character)
            }
        }
        let active = "  store = { postgres = \"\(quoted)\" },\n"
        // One store: the SQLite file's line is left as an example.
        let sqlite = "  database = \".comity/comity.db\",\n"
        return template.replacingOccurrences(of: commented, with: active).replacingOccurrences(of: sqlite, with: "  -- " + sqlite.dropFirst(2))
    }

    static let template = """
        -- Comity workspace settings. This file is Lua; it returns a table.
        return {
          -- Local times in scripts (time.parse, Time fields) are read in this zone.
          time_zone = "UTC",

          -- The database, relative to this folder.
          database = ".comity/comity.db",

          -- Or a PostgreSQL database, for several workers on several machines (the
          -- password in ~/.pgpass or PGPASSWORD, never here):
          -- store = { postgres = "postgres://comity@db.example.org:5432/network" },

          -- How long a command waits for another process's lock on the database.
          lock_timeout = "5s",

          -- Extra fields per record type, validated and queryable like the built-in ones.
          -- Types: string, integer, decimal, boolean, date, money, choice (with values),
          -- list (of strings). The two organisation fields are the ASI survey's, which the
          -- shipped Scripts/seed-world.lua fills and Scripts/reports/international-cooperation.lua
          -- reads; remove them if you drop those scripts.
          custom_fields = {
            organisation = {
              cooperates_internationally = { type = "boolean", doc = "Has experience of international cooperation (ASI study)" },
              focus_area = { type = "choice", values = { "education", "culture", "social_services", "human_rights", "environment", "health" },
                             doc = "The organisation's main field of work" },
            },
            -- grant = {
            --   risk = { type = "choice", values = { "low", "medium", "high" } },
            -- },
          },
        }

        """
}

/// `custom_fields = { organisation = { name = "boolean" or { type = ..., values = ..., doc = ... } } }`
enum CustomFieldSettings {
    /// A choice's declared values as they are stored: normalised as a value given to
    /// the field is (`In progress` is `in_progress`), so that each declared value can be
    /// stored; two that normalise alike, or a value that is not text, are refused.
    static func choiceValues(_ list: LuaTable, at place: String) throws(LuaError) -> [String] {
        var values: [String] = []
        for (index, value) in list.array.enumerated() {
            guard let text = value.stringValue?.trimmingBlanks(), !text.isEmpty else {
                throw LuaError(.runtime, "\(place): values[\(index + 1)] must be a text such as \"in_progress\" (got \(value.typeName))")
            }
            let normal = ChoiceName.normalised(text)
            if let same = values.firstIndex(of: normal) {
                throw LuaError(.runtime, "\(place): values[\(index + 1)] '\(text)' is the same choice as values[\(same + 1)] (both are '\(normal)')")
            }
            values.append(normal)
        }
        return values
    }

    /// Adds the fields of `custom_fields = { organisation = { ... } }` to `schema`;
    /// returns them. `prefix` names where they were written (`custom_fields`,
    /// `provides.custom_fields`).
    @discardableResult
    static func apply(_ table: LuaTable, to schema: inout DomainSchema, file: String,
                      prefix: String = "custom_fields") throws -> [(RecordType, FieldDefinition)] {
        var added: [(RecordType, FieldDefinition)] = []
        // By their text (a key's own string, not its description, which costs reflection).
        func text(_ key: LuaValue) -> String { key.stringValue ?? "\(key)" }
        for (typeKey, fieldsValue) in table.hash.sorted(by: { text($0.key) < text($1.key) }) {
            let typeName = typeKey.stringValue ?? "\(typeKey)"
            guard let type = RecordType(rawValue: typeName) else {
                throw LuaError(.runtime, "\(file): \(prefix).\(typeName): not a record type (types: \(RecordType.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard case .table(let fields) = fieldsValue else {
                throw LuaError(.runtime, "\(file): \(prefix).\(typeName) must be a table of fields")
            }
            for (nameKey, spec) in fields.hash.sorted(by: { text($0.key) < text($1.key) }) {
                let name = nameKey.stringValue ?? "\(nameKey)"
                let where_ = "\(file): \(prefix).\(typeName).\(name)"
                var typeText: String?
                var doc = "Custom field."
                var values: [String] = []
                var personal = false
                switch spec {
                case .string(let s): typeText = s.description
                case .table(let t):
                    typeText = t["type"].stringValue
                    doc = t["doc"].stringValue ?? doc
                    switch t["personal"] {
                    case .nil: break
                    case .boolean(let flag): personal = flag
                    default: throw LuaError(.runtime, "\(where_): personal must be true or false (got \(t["personal"].typeName))")
                    }
                    if case .table(let list) = t["values"] { values = try Self.choiceValues(list, at: where_) }
                default: break
                }
                let fieldType: FieldType
                switch typeText {
                case "string": fieldType = .string
                case "integer": fieldType = .integer
                case "decimal": fieldType = .decimal
                case "boolean": fieldType = .boolean
                case "date": fieldType = .date
                case "money": fieldType = .money
                case "list": fieldType = .strings
                case "choice":
                    guard !values.isEmpty else { throw LuaError(.runtime, "\(where_): a choice needs values = { ... }") }
                    fieldType = .choice(values)
                default:
                    throw LuaError(.runtime, "\(where_): type must be one of string, integer, decimal, boolean, date, money, choice, list (got \(typeText.map { "'\($0)'" } ?? spec.typeName))")
                }
                do {
                    let definition = FieldDefinition(name, fieldType, personal: personal, doc)
                    try schema.addCustomField(definition, to: type)
                    added.append((type, definition))
                } catch {
                    throw LuaError(.runtime, "\(where_): \(error.message)")
                }
            }
        }
        return added
    }
}

/// `scheduling = { lease_margin = "30s", late_after = "5m", rescan = "2s" }` in comity.lua.
public struct SchedulingSettings: Sendable, Equatable {
    /// Added to a workflow's time limit to make the lease on a slot: a runner that dies
    /// leaves its slot to be run again this long after the run's limit.
    public var leaseMargin: Duration = .seconds(30)
    /// With `catch_up = "skip"`, a slot later than this counts as missed.
    public var lateAfter: Duration = .seconds(300)
    /// How often the daemon looks for edited, added or removed scripts.
    public var rescan: Duration = .seconds(2)

    public init() {}

    init(_ table: LuaTable, file shown: String) throws(LuaError) {
        let known = ["lease_margin", "late_after", "rescan"]
        for (key, value) in table.hash {
            let name = key.stringValue ?? key.typeName
            guard known.contains(name) else {
                throw LuaError(.runtime, "\(shown): scheduling has no setting '\(name)' (settings: \(known.joined(separator: ", ")))")
            }
            guard let text = value.stringValue else {
                throw LuaError(.runtime, "\(shown): scheduling.\(name) must be a duration such as \"30s\" or \"5m\"")
            }
            let duration: Duration
            do {
                duration = try DurationText.read(text)
            } catch {
                throw LuaError(.runtime, "\(shown): scheduling.\(name) '\(text)' is \(error)")
            }
            switch name {
            case "lease_margin": leaseMargin = duration
            case "late_after": lateAfter = duration
            default: rescan = duration
            }
        }
    }
}
