/// The schemas of every record type, with the workspace's custom fields: the source of
/// the database's tables too (`StorageLayout(schema)`).
public struct DomainSchema: Sendable {
    public private(set) var records: [RecordType: RecordSchema]

    public subscript(type: RecordType) -> RecordSchema {
        records[type] ?? RecordSchema(type, fields: [])
    }

    /// Adds a workspace's custom field to a record type.
    public mutating func addCustomField(_ definition: FieldDefinition, to type: RecordType) throws(DomainError) {
        var schema = self[type]
        try schema.addCustomField(definition)
        records[type] = schema
    }

    /// Every domain event a run can record, sorted: each type's `TYPE.created` and
    /// `TYPE.updated`, and the lifecycle steps' events (`grant.awarded`, ...). What
    /// workflows' `on` patterns are checked against, and what the docs list.
    public var eventNames: [String] {
        let lifecycle = records.values.flatMap { $0.lifecycle?.steps.map(\.event) ?? [] }
        let changes = RecordType.allCases.flatMap { [DomainEvent.createdName($0), DomainEvent.updatedName($0)] }
        return Set(lifecycle + changes).sorted()
    }

    /// The roles a participant can have in an event.
    public static let participantRoles = ["organiser", "speaker", "moderator", "sponsor", "attendee"]

    /// Comity's record types as the domain defines them.
    public static let standard = DomainSchema(records: [
        .organisation: RecordSchema(.organisation, fields: [
            FieldDefinition("name", .string, required: true, indexed: true, "The organisation's name."),
            FieldDefinition("kind", .organisationKind, indexed: true, "IATI organisation type, by name (national_ngo) or code (22)."),
            FieldDefinition("country", .country, indexed: true, "ISO 3166-1 alpha-2 code of its registration."),
            FieldDefinition("identifier", .orgIdentifier, unique: true, "org-id.guide identifier, PREFIX-localid."),
            FieldDefinition("website", .url, "Its web site."),
            FieldDefinition("email", .email, "A contact address."),
            FieldDefinition("description", .string, "What it does."),
            FieldDefinition("tags", .strings, "Free labels."),
        ]),
        .person: RecordSchema(.person, fields: [
            FieldDefinition("name", .string, required: true, "The person's name."),
            FieldDefinition("email", .email, indexed: true, personal: true, "A contact address (personal data)."),
            FieldDefinition("organisation", .reference(.organisation), indexed: true, "Where the person works."),
            FieldDefinition("role", .string, "The person's role there."),
            Self.externalIdentifier,
        ]),
        .grant: RecordSchema(.grant, fields: [
            FieldDefinition("title", .string, required: true, "What the grant is for."),
            FieldDefinition("funder", .reference(.organisation), required: true, indexed: true, "The organisation giving it."),
            FieldDefinition("recipient", .reference(.organisation), required: true, indexed: true, "The organisation receiving it."),
            FieldDefinition("programme", .string, indexed: true, "The funder's programme."),
            FieldDefinition("amount_requested", .money, "What was asked for."),
            FieldDefinition("amount_awarded", .money, "What was awarded."),
            FieldDefinition("applied_on", .date, "When it was applied for."),
            FieldDefinition("decided_on", .date, "When it was awarded or rejected."),
            FieldDefinition("starts_on", .date, "Start of the funded work."),
            FieldDefinition("ends_on", .date, "End of the funded work."),
            FieldDefinition("report_due", .date, indexed: true, "When the report to the funder is due."),
            Self.externalIdentifier,
        ], lifecycle: LifecycleDescription(GrantStatus.self), rules: [
            .notNegative("amount_requested"), .notNegative("amount_awarded"),
            .different("recipient", "funder", "a grant goes from one organisation to another"),
            .notBefore("decided_on", "applied_on", "a grant is decided after it is applied for"),
            .notBefore("ends_on", "starts_on", "the funded work cannot end before it starts"),
        ]),
        .partnership: RecordSchema(.partnership, fields: [
            FieldDefinition("members", .references(.organisation), required: true, minimumItems: 2, "The partners (two or more)."),
            FieldDefinition("facilitator", .reference(.organisation), "An intermediary that brought them together."),
            FieldDefinition("kind", .string, "What sort of partnership."),
            FieldDefinition("purpose", .string, "What it is for."),
            FieldDefinition("starts_on", .date, "When it starts."),
            FieldDefinition("ends_on", .date, "When it ends."),
            Self.externalIdentifier,
        ], lifecycle: LifecycleDescription(PartnershipStatus.self), rules: [
            .distinctItems("members", "a partnership is between different organisations"),
            .notBefore("ends_on", "starts_on", "a partnership cannot end before it starts"),
        ]),
        .event: RecordSchema(.event, fields: [
            FieldDefinition("title", .string, required: true, "The event's title."),
            FieldDefinition("kind", .choice(["round_table", "conference", "forum", "festival", "webinar", "training", "other"]),
                            "What sort of event."),
            FieldDefinition("starts_at", .time, required: true, indexed: true, "When it starts."),
            FieldDefinition("ends_at", .time, indexed: true, "When it ends."),
            FieldDefinition("time_zone", .timeZone, "Its local time zone, such as Europe/Moscow."),
            FieldDefinition("platform", .string, "The online platform, for an online event."),
            FieldDefinition("venue", .string, "The venue, for an event in person."),
            FieldDefinition("city", .string, "The venue's city."),
            FieldDefinition("country", .country, "The venue's country."),
            FieldDefinition("organisers", .references(.organisation), "Who organises it."),
            Self.externalIdentifier,
        ], lifecycle: LifecycleDescription(EventStatus.self), rules: [
            .notBefore("ends_at", "starts_at", "an event cannot end before it starts"),
        ]),
        .application: RecordSchema(.application, fields: [
            FieldDefinition("applicant", .reference(.organisation), required: true, indexed: true, "The organisation applying."),
            FieldDefinition("programme", .string, "What it applies to."),
            FieldDefinition("received_at", .time, indexed: true, "When it arrived (the run's clock when not given)."),
            FieldDefinition("summary", .string, "What it proposes."),
            FieldDefinition("requested", .money, "The amount asked for."),
            FieldDefinition("dismissal_reason", .string, "Why it was dismissed."),
            Self.externalIdentifier,
        ], lifecycle: LifecycleDescription(ApplicationStatus.self), rules: [.notNegative("requested")]),
        .task: RecordSchema(.task, fields: [
            FieldDefinition("title", .string, required: true, "What is to be done."),
            FieldDefinition("kind", .string, indexed: true, "A label for finding tasks of a sort (event-report)."),
            FieldDefinition("about", .anyReference, indexed: true, "The record the task is about."),
            FieldDefinition("assignee", .reference(.person), "Who is to do it."),
            FieldDefinition("due", .time, indexed: true, "When it is due; an open task past it is overdue."),
            Self.externalIdentifier,
        ], lifecycle: LifecycleDescription(TaskStatus.self), derived: [.overdue]),
    ])

    /// Every record type but organisations (whose identifier is an org-id) has one:
    /// what imports match rows by, so that importing a file twice changes nothing.
    static let externalIdentifier = FieldDefinition(
        "identifier", .string, unique: true,
        "An identifier from outside Comity, unique for its type (a 360Giving grant identifier such as 360G-pgf-1234).")
}
