import Foundation

/// One run of a script or workflow as the history keeps it: what ran (the file and a
/// hash of its content), why (its trigger), with what, when, and how it ended.
public struct RunRecord: Sendable, Equatable, Codable {
    public enum Outcome: String, Sendable, CaseIterable, Codable {
        /// Started and not yet ended; found so after a crash, it becomes `interrupted`.
        /// `skipped`: a workflow's `dedupe` key had run already, so this trigger ran nothing.
        /// `partial`: an import kept its valid rows and rejected others, or a repl session
        /// kept the statements that succeeded while others failed.
        case running, succeeded, failed, limit, cancelled, interrupted, skipped, partial
    }

    public var id: String
    public var workflow: String?
    /// The script as the workspace names it: `Scripts/intake.lua`.
    public var file: String
    /// SHA-256 of the script's bytes when the run started.
    public var contentHash: String
    public var trigger: RunTrigger
    public var parameters: [String: String]
    /// The run's clock: `time.now()`.
    public var clock: Timestamp
    public var startedAt: Timestamp
    public var endedAt: Timestamp?
    public var outcome: Outcome
    /// The error with its script line (`Scripts/x.lua:12: ...`), and Lua's traceback.
    public var error: String?
    public var traceback: String?
    /// What the run said through `ctx.log`.
    public var log: [String]
    public var recordsCreated: Int
    public var recordsChanged: Int
    public var dryRun: Bool
    /// 1 for a first attempt; retries count up.
    public var attempt: Int
    /// The process that ran it, to tell a crashed run from a running one.
    public var processID: Int32
    /// The machine whose process that is, when not this one (a database several
    /// machines share): its process id means nothing here.
    public var host: String?
    /// Whom it acted as (`Elena Topoleva (editor, Agency for Social Information)`): a
    /// run started `--as` a person, by their token or a hook's `run_as`, or a workflow's
    /// `run_as`. Nil for the workspace.
    public var actingAs: String?

    public init(
        id: String, workflow: String?, file: String, contentHash: String, trigger: RunTrigger,
        parameters: [String: String], clock: Timestamp, startedAt: Timestamp, endedAt: Timestamp? = nil,
        outcome: Outcome = .running, error: String? = nil, traceback: String? = nil, log: [String] = [],
        recordsCreated: Int = 0, recordsChanged: Int = 0, dryRun: Bool = false, attempt: Int = 1,
        processID: Int32 = getpid(), host: String? = nil, actingAs: String? = nil
    ) {
        self.actingAs = actingAs
        self.id = id
        self.workflow = workflow
        self.file = file
        self.contentHash = contentHash
        self.trigger = trigger
        self.parameters = parameters
        self.clock = clock
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.outcome = outcome
        self.error = error
        self.traceback = traceback
        self.log = log
        self.recordsCreated = recordsCreated
        self.recordsChanged = recordsChanged
        self.dryRun = dryRun
        self.attempt = attempt
        self.processID = processID
        self.host = host
    }

    /// Whether the run may still be going on, as a scheduler deciding on overlap must
    /// know. On this machine its process tells; a run of another machine's process is
    /// taken to be going on until `longest` seconds after it started by `now`, the
    /// longest any run of its workflow may last (its time limit and a margin).
    public func mayBeGoingOn(now: Timestamp, longest: Int64) -> Bool {
        guard outcome == .running else { return false }
        guard let host, host != LocalProcess.hostName else { return LocalProcess.isAlive(processID) }
        return now.secondsSince1970 - startedAt.secondsSince1970 <= longest
    }
}

extension RunRecord {
    /// Labels that ids of imports and repl sessions had before every run's id became a
    /// plain UUID (what kind of run it was is now its trigger's kind): ids stored so are
    /// still read, shown and found by the UUID after the label.
    public static let importPrefix = "import-"
    public static let replPrefix = "repl-"
    static let legacyLabels = [importPrefix, replPrefix]

    /// A new run's id: a lowercase UUID, for every kind of run.
    public static func newID() -> String { UUID().uuidString.lowercased() }

    /// The UUID of an id, after a legacy label if it has one.
    public static func uuidPart(_ id: String) -> Substring {
        for label in legacyLabels where id.hasPrefix(label) { return id.dropFirst(label.count) }
        return Substring(id)
    }

    /// The fewest characters of a run's UUID that listings show: as git abbreviates.
    public static let shortLength = 8

    /// The start of a run's id that listings show: `length` characters of its UUID
    /// (after its legacy label, for an old import or repl id).
    public static func shortID(_ id: String, length: Int = shortLength) -> String {
        let uuid = uuidPart(id)
        return String(id.prefix(id.count - uuid.count)) + String(uuid.prefix(max(length, 1)))
    }

    /// The length at which every one of `ids` is told apart by the start of its UUID:
    /// `shortLength`, or more when two of them share a longer start.
    public static func uniquePrefixLength(_ ids: [String]) -> Int {
        let sorted = ids.map { uuidPart($0) }.sorted()
        var length = shortLength
        for (a, b) in zip(sorted, sorted.dropFirst()) {
            let common = zip(a, b).prefix { $0 == $1 }.count
            if common < min(a.count, b.count) { length = max(length, common + 1) }
        }
        return length
    }

    /// Whether `text` names this run: its whole id, or a start of its UUID (with or
    /// without a legacy label).
    /// The starts of ids that `isNamed(by: text)` can be true of: for a store to look up
    /// by its index rather than read every run.
    public static func idPrefixes(naming text: String) -> [String] {
        let text = text.lowercased()
        let uuid = String(uuidPart(text))
        return Array(Set([text, uuid] + legacyLabels.map { $0 + uuid })).sorted()
    }

    public func isNamed(by text: String) -> Bool {
        let text = text.lowercased()
        return id == text || id.hasPrefix(text) || Self.uuidPart(id).hasPrefix(Self.uuidPart(text))
    }

    /// Whether a script's run made this record (not an import or a repl session).
    public var isScriptRun: Bool {
        trigger.kind != .fileImport && trigger.kind != .repl && !(trigger.kind == .api && workflow == nil) && !Self.legacyLabels.contains { id.hasPrefix($0) }
    }

    /// Whether `comity import` made this record.
    public var isImport: Bool { trigger.kind == .fileImport || id.hasPrefix(Self.importPrefix) }
}

/// Why a run started.
public struct RunTrigger: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// `comity run`, or a retry asked for with `comity runs retry`.
        case manual
        /// A domain event committed by another run.
        case event
        /// A schedule's slot.
        case schedule
        /// `comity import`: the record of an import, which has no script to run again.
        case fileImport = "import"
        /// `comity repl --write`: the record of a session's committed statements.
        case repl
        /// A signed webhook delivery to `comity serve` (`POST /hooks/NAME`).
        case hook
        /// Through `comity serve`'s API (`event` is the token's name): a workflow started
        /// or retried, or a record written (whose run record has no workflow and no
        /// script to run again).
        case api
    }

    public var kind: Kind
    /// For `event`: the event and its record. For `hook`: the hook's name.
    public var event: String?
    public var record: RecordReference?
    /// For `event`: the event's id in the store, to read its data (`ctx.trigger.fields`,
    /// `ctx.trigger.changes`); nil for a run queued before events kept their data. For
    /// `hook`: the delivery's id in the inbox (`WebhookDelivery.id`).
    public var eventID: Int64?
    /// For `schedule`: the slot's time.
    public var slot: Timestamp?
    /// The run whose event (or failure, for a retry) caused this one.
    public var causedBy: String?
    /// How many runs caused this one, one after another: 0 for a run started by hand.
    public var depth: Int

    public init(
        _ kind: Kind, event: String? = nil, record: RecordReference? = nil, eventID: Int64? = nil, slot: Timestamp? = nil,
        causedBy: String? = nil, depth: Int = 0
    ) {
        self.kind = kind
        self.event = event
        self.record = record
        self.eventID = eventID
        self.slot = slot
        self.causedBy = causedBy
        self.depth = depth
    }

    public static let manual = RunTrigger(.manual)

    /// `manual`, `event grant.awarded (grant#4)`, `schedule 2021-01-25T08:00:00Z`.
    public var summary: String {
        switch kind {
        case .manual: "manual"
        case .event: "event \(event ?? "?")" + (record.map { " (\($0))" } ?? "")
        case .schedule: "schedule " + (slot.map { $0.description } ?? "?")
        case .fileImport: "import"
        case .repl: "repl"
        case .hook: "hook \(event ?? "?")" + (eventID.map { " (delivery #\($0))" } ?? "")
        case .api: "api" + (event.map { " (token \($0))" } ?? "")
        }
    }
}

/// Which runs `comity runs` lists.
public struct RunFilter: Sendable {
    public var workflow: String?
    /// Only runs that did not succeed (failed, limit, cancelled, interrupted, partial).
    public var unsuccessfulOnly: Bool
    public var since: Timestamp?
    /// Only runs that ended so (or, for `running`, have not ended).
    public var outcome: RunRecord.Outcome?
    /// Only runs of this schedule slot.
    public var slot: Timestamp?
    /// Only runs triggered so (by a schedule, an event, a webhook, ...).
    public var triggerKind: RunTrigger.Kind?
    /// Only the runs this run caused (its events' workflows, its retries).
    public var causedBy: String?
    /// Only runs whose id starts with one of these (lower-case; a store may match by byte
    /// range, so a caller that needs an exact rule checks what comes back).
    public var idPrefixes: [String]?
    public var limit: Int
    /// How many of the runs chosen, newest first, to pass over first (a page's cursor).
    public var offset = 0

    public init(workflow: String? = nil, unsuccessfulOnly: Bool = false, since: Timestamp? = nil,
                outcome: RunRecord.Outcome? = nil, slot: Timestamp? = nil, limit: Int = 50) {
        self.workflow = workflow
        self.slot = slot
        self.unsuccessfulOnly = unsuccessfulOnly
        self.since = since
        self.outcome = outcome
        self.limit = limit
    }
}

/// A run waiting in the trigger queue: a workflow to run for an event.
public struct QueuedRun: Sendable, Equatable {
    public var id: Int64
    public var workflow: String
    public var file: String
    public var trigger: RunTrigger
    public var enqueuedAt: Timestamp
    /// Not to start before this time (a retry's backoff).
    public var notBefore: Timestamp
    public var attempt: Int
    /// The run's parameters as given (`POST /v1/workflows/NAME/runs`, a retry of a run
    /// that had them); checked against the workflow's declaration when it runs.
    public var parameters: [String: String]

    public init(
        id: Int64 = 0, workflow: String, file: String, trigger: RunTrigger, enqueuedAt: Timestamp,
        notBefore: Timestamp? = nil, attempt: Int = 1, parameters: [String: String] = [:]
    ) {
        self.parameters = parameters
        self.id = id
        self.workflow = workflow
        self.file = file
        self.trigger = trigger
        self.enqueuedAt = enqueuedAt
        self.notBefore = notBefore ?? enqueuedAt
        self.attempt = attempt
    }
}
