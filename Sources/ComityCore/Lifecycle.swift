/// One step of a record's lifecycle: its verb (`award`), the statuses it may start
/// from, the status it leads to, and the domain event it records (`grant.awarded`).
public struct LifecycleStep<Status: LifecycleStatus>: Sendable {
    public let verb: String
    public let from: [Status]
    public let to: Status
    public let event: String

    public init(_ verb: String, from: [Status], to: Status, event: String) {
        self.verb = verb
        self.from = from
        self.to = to
        self.event = event
    }
}

/// The statuses of a record type and the steps between them.
public protocol LifecycleStatus: RawRepresentable, CaseIterable, Hashable, Sendable where RawValue == String {
    /// The record's name in messages and event names: `grant`, `application`.
    static var recordName: String { get }
    /// Where a new record starts.
    static var initial: Self { get }
    static var steps: [LifecycleStep<Self>] { get }
}

extension LifecycleStatus {
    /// The step `verb` from `current`, or an error that says what is allowed.
    public static func step(_ verb: String, from current: Self) throws(DomainError) -> LifecycleStep<Self> {
        let described = try LifecycleDescription(Self.self).step(verb, from: current.rawValue)
        guard let step = steps.first(where: { $0.verb == described.verb }) else {
            throw DomainError(.illegalStep, "\(recordName) has no step '\(verb)'")
        }
        return step
    }

    /// No step leads on from here.
    public var isTerminal: Bool { !Self.steps.contains { $0.from.contains(self) } }

    /// Parses a status name, naming the allowed ones when it is not one.
    public init(status text: String) throws(DomainError) {
        guard let status = Self(rawValue: text) else {
            throw DomainError(.invalidValue, field: "status",
                              "invalid \(Self.recordName) status '\(text)' (allowed: \(Self.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        self = status
    }
}

/// `draft → submitted → under_review → awarded | rejected`, `awarded → active → closed`,
/// and `withdrawn` from any open status.
public enum GrantStatus: String, LifecycleStatus {
    case draft, submitted, under_review, awarded, rejected, active, closed, withdrawn

    public static let recordName = "grant"
    public static let initial = GrantStatus.draft
    public static let steps: [LifecycleStep<GrantStatus>] = [
        LifecycleStep("submit", from: [.draft], to: .submitted, event: "grant.submitted"),
        LifecycleStep("review", from: [.submitted], to: .under_review, event: "grant.under_review"),
        LifecycleStep("award", from: [.submitted, .under_review], to: .awarded, event: "grant.awarded"),
        LifecycleStep("reject", from: [.submitted, .under_review], to: .rejected, event: "grant.rejected"),
        LifecycleStep("activate", from: [.awarded], to: .active, event: "grant.activated"),
        LifecycleStep("close", from: [.active], to: .closed, event: "grant.closed"),
        LifecycleStep("withdraw", from: [.draft, .submitted, .under_review, .awarded, .active], to: .withdrawn,
                      event: "grant.withdrawn"),
    ]
}

/// `received → under_review → accepted | dismissed` (dismissal carries a reason).
public enum ApplicationStatus: String, LifecycleStatus {
    case received, under_review, accepted, dismissed

    public static let recordName = "application"
    public static let initial = ApplicationStatus.received
    public static let steps: [LifecycleStep<ApplicationStatus>] = [
        LifecycleStep("review", from: [.received], to: .under_review, event: "application.under_review"),
        LifecycleStep("accept", from: [.received, .under_review], to: .accepted, event: "application.accepted"),
        LifecycleStep("dismiss", from: [.received, .under_review], to: .dismissed, event: "application.dismissed"),
    ]
}

/// `proposed → active → ended`, or `declined`.
public enum PartnershipStatus: String, LifecycleStatus {
    case proposed, active, ended, declined

    public static let recordName = "partnership"
    public static let initial = PartnershipStatus.proposed
    public static let steps: [LifecycleStep<PartnershipStatus>] = [
        LifecycleStep("activate", from: [.proposed], to: .active, event: "partnership.activated"),
        LifecycleStep("finish", from: [.active], to: .ended, event: "partnership.ended"),
        LifecycleStep("decline", from: [.proposed], to: .declined, event: "partnership.declined"),
    ]
}

/// `planned → held | cancelled`.
public enum EventStatus: String, LifecycleStatus {
    case planned, held, cancelled

    public static let recordName = "event"
    public static let initial = EventStatus.planned
    public static let steps: [LifecycleStep<EventStatus>] = [
        LifecycleStep("hold", from: [.planned], to: .held, event: "event.held"),
        LifecycleStep("cancel", from: [.planned], to: .cancelled, event: "event.cancelled"),
    ]
}

/// `open → done | cancelled`; overdue is derived from the due date, not a status.
public enum TaskStatus: String, LifecycleStatus {
    case open, done, cancelled

    public static let recordName = "task"
    public static let initial = TaskStatus.open
    public static let steps: [LifecycleStep<TaskStatus>] = [
        LifecycleStep("complete", from: [.open], to: .done, event: "task.completed"),
        LifecycleStep("cancel", from: [.open], to: .cancelled, event: "task.cancelled"),
    ]
}
