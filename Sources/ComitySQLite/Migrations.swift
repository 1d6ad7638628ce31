import GRDB

/// The database's schema, one migration at a time. A migration is never edited once
/// released: later changes are new migrations, so every database reaches the same
/// schema. Column conventions (see `ColumnMapping`): a field's column has its name;
/// money is `NAME_minor` and `NAME_currency`; a record of any type is `NAME_type` and
/// `NAME_id`; a list of records is a link table `TYPE_FIELD(owner, position, target)`;
/// custom fields live in the JSON column `custom`. `StorageLayout` (ComityCore) says
/// what the migrated database holds, from the domain schema; `StorageLayoutTests`
/// fails when a migration and the layout disagree, so a new migration comes with its
/// change to the layout; `FrozenMigrationTests` fails when a released one is edited.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 records, audit and events") { db in
            try db.execute(sql: v1)
        }
        migrator.registerMigration("v2 run history and trigger queue") { db in
            try db.execute(sql: v2)
        }
        migrator.registerMigration("v3 identifiers for every record type") { db in
            try db.execute(sql: v3)
        }
        migrator.registerMigration("v4 outbox") { db in
            try db.execute(sql: v4)
        }
        migrator.registerMigration("v5 schedules") { db in
            try db.execute(sql: v5)
        }
        migrator.registerMigration("v6 events keep their data") { db in
            try db.execute(sql: eventData)
        }
        migrator.registerMigration("v7 mail with several recipients, html and attachments") { db in
            try db.execute(sql: v7)
        }
        migrator.registerMigration("v8 workers, leased runs and claimed slots") { db in
            try db.execute(sql: v8)
        }
        migrator.registerMigration("v9 API tokens and webhook deliveries") { db in
            try db.execute(sql: v9)
        }
        migrator.registerMigration("v10 queued runs keep their parameters; idempotent API writes") { db in
            try db.execute(sql: v10)
        }
        migrator.registerMigration("v11 owners, memberships, networks and shares") { db in
            try db.execute(sql: v11)
        }
        migrator.registerMigration("v12 runs keep whom they acted as") { db in
            try db.execute(sql: v12)
        }
        return migrator
    }

    private static let common = """
        custom TEXT NOT NULL DEFAULT '{}',
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        archived_at INTEGER
        """

    static let v1 = """
        CREATE TABLE organisations (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          name TEXT NOT NULL, kind TEXT, country TEXT, identifier TEXT UNIQUE, website TEXT, email TEXT,
          description TEXT, tags TEXT,
          \(common));
        CREATE INDEX organisations_name ON organisations(name);
        CREATE INDEX organisations_country ON organisations(country);
        CREATE INDEX organisations_kind ON organisations(kind);

        CREATE TABLE people (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          name TEXT NOT NULL, email TEXT, organisation INTEGER REFERENCES organisations(id), role TEXT,
          \(common));
        CREATE INDEX people_organisation ON people(organisation);
        CREATE INDEX people_email ON people(email);

        CREATE TABLE grants (
          id INTEGER PRIMARY KEY AUTOINCREMENT, status TEXT NOT NULL,
          title TEXT NOT NULL,
          funder INTEGER NOT NULL REFERENCES organisations(id),
          recipient INTEGER NOT NULL REFERENCES organisations(id),
          programme TEXT,
          amount_requested_minor INTEGER, amount_requested_currency TEXT,
          amount_awarded_minor INTEGER, amount_awarded_currency TEXT,
          applied_on TEXT, decided_on TEXT, starts_on TEXT, ends_on TEXT, report_due TEXT,
          \(common));
        CREATE INDEX grants_status ON grants(status);
        CREATE INDEX grants_funder ON grants(funder);
        CREATE INDEX grants_recipient ON grants(recipient);
        CREATE INDEX grants_programme ON grants(programme);
        CREATE INDEX grants_report_due ON grants(report_due);

        CREATE TABLE partnerships (
          id INTEGER PRIMARY KEY AUTOINCREMENT, status TEXT NOT NULL,
          facilitator INTEGER REFERENCES organisations(id), kind TEXT, purpose TEXT, starts_on TEXT, ends_on TEXT,
          \(common));
        CREATE INDEX partnerships_status ON partnerships(status);
        CREATE TABLE partnership_members (
          owner INTEGER NOT NULL REFERENCES partnerships(id), position INTEGER NOT NULL,
          target INTEGER NOT NULL REFERENCES organisations(id), PRIMARY KEY (owner, position));
        CREATE INDEX partnership_members_target ON partnership_members(target);

        CREATE TABLE events (
          id INTEGER PRIMARY KEY AUTOINCREMENT, status TEXT NOT NULL,
          title TEXT NOT NULL, kind TEXT, starts_at INTEGER NOT NULL, ends_at INTEGER, time_zone TEXT,
          platform TEXT, venue TEXT, city TEXT, country TEXT,
          \(common));
        CREATE INDEX events_status ON events(status);
        CREATE INDEX events_starts_at ON events(starts_at);
        CREATE INDEX events_ends_at ON events(ends_at);
        CREATE TABLE event_organisers (
          owner INTEGER NOT NULL REFERENCES events(id), position INTEGER NOT NULL,
          target INTEGER NOT NULL REFERENCES organisations(id), PRIMARY KEY (owner, position));
        CREATE INDEX event_organisers_target ON event_organisers(target);
        CREATE TABLE event_participants (
          event INTEGER NOT NULL REFERENCES events(id), participant_type TEXT NOT NULL,
          participant_id INTEGER NOT NULL, role TEXT NOT NULL,
          PRIMARY KEY (event, participant_type, participant_id, role));

        CREATE TABLE applications (
          id INTEGER PRIMARY KEY AUTOINCREMENT, status TEXT NOT NULL,
          applicant INTEGER NOT NULL REFERENCES organisations(id), programme TEXT, received_at INTEGER,
          summary TEXT, requested_minor INTEGER, requested_currency TEXT, dismissal_reason TEXT,
          \(common));
        CREATE INDEX applications_status ON applications(status);
        CREATE INDEX applications_applicant ON applications(applicant);
        CREATE INDEX applications_received_at ON applications(received_at);

        CREATE TABLE tasks (
          id INTEGER PRIMARY KEY AUTOINCREMENT, status TEXT NOT NULL,
          title TEXT NOT NULL, kind TEXT, about_type TEXT, about_id INTEGER,
          assignee INTEGER REFERENCES people(id), due INTEGER,
          \(common));
        CREATE INDEX tasks_status ON tasks(status);
        CREATE INDEX tasks_about ON tasks(about_type, about_id);
        CREATE INDEX tasks_kind ON tasks(kind);
        CREATE INDEX tasks_due ON tasks(due);

        CREATE TABLE audit (
          id INTEGER PRIMARY KEY AUTOINCREMENT, run TEXT, at INTEGER NOT NULL,
          record_type TEXT NOT NULL, record_id INTEGER NOT NULL, action TEXT NOT NULL,
          field TEXT, old_value TEXT, new_value TEXT);
        CREATE INDEX audit_record ON audit(record_type, record_id);
        CREATE INDEX audit_run ON audit(run);

        CREATE TABLE domain_events (
          id INTEGER PRIMARY KEY AUTOINCREMENT, run TEXT, at INTEGER NOT NULL, name TEXT NOT NULL,
          record_type TEXT NOT NULL, record_id INTEGER NOT NULL);
        CREATE INDEX domain_events_name ON domain_events(name);
        """

    /// Run history, the trigger queue, and the keys of `ctx.once`.
    static let v2 = """
        CREATE TABLE runs (
          id TEXT PRIMARY KEY, workflow TEXT, file TEXT NOT NULL, content_hash TEXT NOT NULL,
          trigger_kind TEXT NOT NULL, trigger_event TEXT, trigger_record_type TEXT, trigger_record_id INTEGER,
          trigger_slot INTEGER, caused_by TEXT, depth INTEGER NOT NULL DEFAULT 0,
          parameters TEXT NOT NULL DEFAULT '{}', clock INTEGER NOT NULL, started_at INTEGER NOT NULL, ended_at INTEGER,
          outcome TEXT NOT NULL, error TEXT, traceback TEXT, log TEXT NOT NULL DEFAULT '[]',
          records_created INTEGER NOT NULL DEFAULT 0, records_changed INTEGER NOT NULL DEFAULT 0,
          dry_run INTEGER NOT NULL DEFAULT 0, attempt INTEGER NOT NULL DEFAULT 1, pid INTEGER NOT NULL DEFAULT 0);
        CREATE INDEX runs_workflow ON runs(workflow, started_at);
        CREATE INDEX runs_started ON runs(started_at);
        CREATE INDEX runs_outcome ON runs(outcome);

        CREATE TABLE run_queue (
          id INTEGER PRIMARY KEY AUTOINCREMENT, workflow TEXT NOT NULL, file TEXT NOT NULL,
          trigger_kind TEXT NOT NULL, trigger_event TEXT, trigger_record_type TEXT, trigger_record_id INTEGER,
          trigger_slot INTEGER, caused_by TEXT, depth INTEGER NOT NULL DEFAULT 0,
          enqueued_at INTEGER NOT NULL, not_before INTEGER NOT NULL, attempt INTEGER NOT NULL DEFAULT 1);
        CREATE INDEX run_queue_due ON run_queue(not_before, id);

        CREATE TABLE run_once (
          workflow TEXT NOT NULL, key TEXT NOT NULL, run TEXT NOT NULL, at INTEGER NOT NULL,
          PRIMARY KEY (workflow, key));
        """

    /// An identifier from outside Comity on every record type (organisations have had
    /// their org-id since v1): what imports match rows by.
    static let v3 = ["people", "grants", "partnerships", "events", "applications", "tasks"].map { table in
        "ALTER TABLE \(table) ADD COLUMN identifier TEXT; CREATE UNIQUE INDEX \(table)_identifier ON \(table)(identifier);"
    }.joined(separator: "\n")

    /// Messages queued by runs, delivered by `comity outbox deliver`.
    static let v4 = """
        CREATE TABLE outbox (
          id INTEGER PRIMARY KEY AUTOINCREMENT, recipient TEXT NOT NULL, subject TEXT NOT NULL, body TEXT NOT NULL,
          about_type TEXT, about_id INTEGER, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT,
          queued_at INTEGER NOT NULL, sent_at INTEGER, run TEXT, pid INTEGER NOT NULL DEFAULT 0);
        CREATE INDEX outbox_status ON outbox(status, id);
        """

    /// Scheduled workflows: the next slot of each, what ran last, and leases.
    static let v5 = """
        CREATE TABLE schedules (
          workflow TEXT PRIMARY KEY, file TEXT NOT NULL, expression TEXT NOT NULL, time_zone TEXT NOT NULL,
          catch_up TEXT NOT NULL, catch_up_window INTEGER NOT NULL, overlap TEXT NOT NULL, lease_seconds INTEGER NOT NULL,
          next_slot INTEGER, last_slot INTEGER, last_run TEXT, paused INTEGER NOT NULL DEFAULT 0, error TEXT,
          lease_owner TEXT, lease_slot INTEGER, lease_until INTEGER);
        CREATE INDEX schedules_due ON schedules(next_slot) WHERE paused = 0 AND error IS NULL;
        """

    /// A domain event's own data (the record's fields as of the event, and what
    /// changed), and which event a queued or recorded run was triggered by: a run reads
    /// what happened, not only what the record is by the time it runs.
    static let eventData = """
        ALTER TABLE domain_events ADD COLUMN fields TEXT;
        ALTER TABLE domain_events ADD COLUMN changes TEXT;
        CREATE INDEX domain_events_run ON domain_events(run);
        ALTER TABLE runs ADD COLUMN trigger_event_id INTEGER;
        ALTER TABLE run_queue ADD COLUMN trigger_event_id INTEGER;
        """

    /// Mail as a network sends it: several recipients, copies, blind copies, a reply
    /// address (each a JSON array of `{name, address}`), an HTML alternative, and
    /// attachments with their bytes. A message queued before has `to_list` NULL and
    /// goes to its `recipient`, as it did.
    static let v7 = """
        ALTER TABLE outbox ADD COLUMN to_list TEXT;
        ALTER TABLE outbox ADD COLUMN cc TEXT NOT NULL DEFAULT '[]';
        ALTER TABLE outbox ADD COLUMN bcc TEXT NOT NULL DEFAULT '[]';
        ALTER TABLE outbox ADD COLUMN reply_to TEXT NOT NULL DEFAULT '[]';
        ALTER TABLE outbox ADD COLUMN html TEXT;
        CREATE TABLE outbox_attachments (
          message INTEGER NOT NULL REFERENCES outbox(id), position INTEGER NOT NULL,
          filename TEXT NOT NULL, content_type TEXT NOT NULL, origin TEXT NOT NULL, data BLOB NOT NULL,
          PRIMARY KEY (message, position));
        """

    /// `comity worker`: a queued run stays in the queue, leased, while it runs; the
    /// workers that lease runs; and each schedule slot claimed once by its run.
    static let v8 = """
        ALTER TABLE run_queue ADD COLUMN state TEXT NOT NULL DEFAULT 'waiting';
        ALTER TABLE run_queue ADD COLUMN lease_owner TEXT;
        ALTER TABLE run_queue ADD COLUMN lease_until INTEGER;
        ALTER TABLE run_queue ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE run_queue ADD COLUMN run_id TEXT;
        CREATE INDEX run_queue_waiting ON run_queue(not_before, id) WHERE state = 'waiting';
        CREATE INDEX run_queue_leases ON run_queue(lease_owner) WHERE state = 'leased';
        CREATE TABLE workers (
          id TEXT PRIMARY KEY, host TEXT NOT NULL, pid INTEGER NOT NULL, version TEXT NOT NULL,
          started_at INTEGER NOT NULL, heartbeat INTEGER NOT NULL, stopped_at INTEGER);
        CREATE TABLE schedule_slots (
          workflow TEXT NOT NULL, slot INTEGER NOT NULL, run TEXT NOT NULL, PRIMARY KEY (workflow, slot));
        """

    /// `comity serve`: API tokens by the hash of their secret, and the webhook inbox.
    static let v9 = """
        CREATE TABLE access_tokens (
          name TEXT PRIMARY KEY, hash TEXT NOT NULL, scope TEXT NOT NULL, created_at INTEGER NOT NULL,
          last_used_at INTEGER, revoked_at INTEGER);
        CREATE UNIQUE INDEX access_tokens_hash ON access_tokens(hash);
        CREATE TABLE webhook_deliveries (
          id INTEGER PRIMARY KEY AUTOINCREMENT, hook TEXT NOT NULL, delivery TEXT NOT NULL, received_at INTEGER NOT NULL,
          headers TEXT NOT NULL DEFAULT '{}', body BLOB NOT NULL);
        CREATE UNIQUE INDEX webhook_deliveries_delivery ON webhook_deliveries(hook, delivery);
        """

    /// A queued run keeps the parameters it was started or retried with; the answers
    /// of API writes sent with an `Idempotency-Key`.
    static let v10 = """
        ALTER TABLE run_queue ADD COLUMN parameters TEXT NOT NULL DEFAULT '{}';
        CREATE TABLE idempotent_responses (
          token TEXT NOT NULL, key TEXT NOT NULL, request TEXT NOT NULL, status INTEGER NOT NULL, body BLOB NOT NULL,
          created_at INTEGER NOT NULL, PRIMARY KEY (token, key));
        """

    /// A run keeps the person it acted as.
    static let v12 = """
        ALTER TABLE runs ADD COLUMN acting_as TEXT;
        """

    /// Who may see what: every record's owning organisation (existing records get the
    /// one their fields imply, as new ones do: see `RecordOwnership`), the principal of
    /// each audit entry, the person a token acts as, memberships, networks and shares.
    static let v11 = ["organisations", "people", "grants", "partnerships", "events", "applications", "tasks"].map { table in
        """
        ALTER TABLE \(table) ADD COLUMN owner INTEGER REFERENCES organisations(id);
        CREATE INDEX \(table)_owner ON \(table)(owner);
        """
    }.joined() + """
        UPDATE grants SET owner = funder;
        UPDATE applications SET owner = applicant;
        UPDATE people SET owner = organisation;
        UPDATE partnerships SET owner = facilitator;
        UPDATE events SET owner = (SELECT target FROM event_organisers l WHERE l.owner = events.id ORDER BY position LIMIT 1);
        ALTER TABLE audit ADD COLUMN principal TEXT;
        ALTER TABLE access_tokens ADD COLUMN person INTEGER REFERENCES people(id);
        CREATE TABLE access_memberships (
          person INTEGER NOT NULL REFERENCES people(id), organisation INTEGER NOT NULL REFERENCES organisations(id),
          role TEXT NOT NULL, PRIMARY KEY (person, organisation));
        CREATE INDEX access_memberships_organisation ON access_memberships(organisation);
        CREATE TABLE access_networks (
          network TEXT NOT NULL, organisation INTEGER NOT NULL REFERENCES organisations(id), PRIMARY KEY (network, organisation));
        CREATE INDEX access_networks_organisation ON access_networks(organisation);
        CREATE TABLE access_shares (
          id INTEGER PRIMARY KEY AUTOINCREMENT, owner INTEGER NOT NULL REFERENCES organisations(id), record_type TEXT NOT NULL,
          field TEXT, value TEXT, grantee_organisation INTEGER REFERENCES organisations(id), grantee_network TEXT,
          access TEXT NOT NULL, until TEXT);
        """
}
