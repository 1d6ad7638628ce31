import ComityCore
import Foundation
import Testing

/// Who may see and change what (`AccessPolicy` through `PrincipalTransaction`), on the
/// matrix of `AccessMatrix`: for every principal, record and operation, the expected
/// outcome, written out by hand; then the ways around it that an attacker would try.
public enum AccessPolicyCases {
    /// What each principal sees and changes, by record key.
    public static let expected: [String: (sees: Set<String>, changes: Set<String>)] = [
        "viewerA": (["A", "B", "C", "F", "viewerA", "editorA", "g1", "g4", "app2", "ev1", "pa1"], ["viewerA"]),
        "editorA": (["A", "B", "C", "F", "viewerA", "editorA", "g1", "g4", "app2", "ev1", "pa1"],
                    ["A", "viewerA", "editorA", "g4", "app2", "ev1"]),
        "editorB": (["A", "B", "F", "editorB", "g1", "g3", "app1", "ev2", "t1"], ["B", "editorB", "app1", "t1"]),
        "coordinatorC": (["C", "F", "coordinatorC", "adminF", "outsider", "g1", "g2", "g3", "g4", "app2", "ev2", "pa1", "t2"],
                         ["C", "F", "coordinatorC", "adminF", "outsider", "g1", "g2", "g3", "app2", "ev2", "pa1", "t2"]),
        "adminF": (["C", "F", "coordinatorC", "adminF", "outsider", "g1", "g2", "g3", "app2", "ev2", "pa1", "t2"],
                   ["C", "F", "coordinatorC", "adminF", "outsider", "g1", "g2", "g3", "app2", "ev2", "pa1", "t2"]),
        "outsider": (["outsider"], ["outsider"]),
    ]

    /// Every lifecycle step a record of `type` may take from its first status, with the
    /// fields it needs (a dismissal's reason): each is checked for every principal and record.
    public static func firstSteps(_ type: RecordType) -> [(String, [String: FieldValue])] {
        guard let lifecycle = DomainSchema.standard[type].lifecycle else { return [] }
        var seen = Set<String>()
        return lifecycle.steps.filter { $0.from.contains(lifecycle.initial) && seen.insert($0.verb).inserted }.map { step in
            (step.verb, step.verb == "dismiss" ? ["dismissal_reason": .string("out of scope")] : [:])
        }
    }

    /// Every lifecycle step a record of `type` may take only after others (a grant's
    /// award, once submitted), with the shortest way there from its first status.
    public static func laterSteps(_ type: RecordType) -> [(verb: String, after: [String])] {
        guard let lifecycle = DomainSchema.standard[type].lifecycle else { return [] }
        var ways: [String: [String]] = [lifecycle.initial: []]
        var frontier = [lifecycle.initial]
        while !frontier.isEmpty {
            var next: [String] = []
            for status in frontier {
                for step in lifecycle.steps where step.from.contains(status) && ways[step.to] == nil {
                    ways[step.to] = (ways[status] ?? []) + [step.verb]
                    next.append(step.to)
                }
            }
            frontier = next
        }
        let first = Set(firstSteps(type).map(\.0))
        var seen = Set<String>()
        return lifecycle.steps.filter { !first.contains($0.verb) && seen.insert($0.verb).inserted }.compactMap { step in
            step.from.compactMap { ways[$0] }.min { $0.count < $1.count }.map { (step.verb, $0) }
        }
    }

    /// The sum of g1..g4's awards (100, 200, 300, 400 RUB) each principal may see.
    public static let sums: [String: Int64?] = [
        "viewerA": 500, "editorA": 500, "editorB": 400, "coordinatorC": 1000, "adminF": 600, "outsider": nil,
    ]

    public static let changes: [RecordType: [String: FieldValue?]] = [
        .organisation: ["description": .string("changed")], .person: ["role": .string("changed")],
        .grant: ["title": .string("changed")], .application: ["summary": .string("changed")],
        .event: ["title": .string("changed")], .partnership: ["purpose": .string("changed")], .task: ["title": .string("changed")],
    ]

    /// get, find, count and sum as each principal: exactly the expected records, counted
    /// and summed inside the store.
    static func reads(_ factory: any StoreFactory) throws {
        let matrix = try AccessMatrix(factory)
        for principal in AccessMatrix.principals {
            let sees = expected[principal]?.sees ?? []
            try matrix.asPrincipal(principal) { tx throws in
                for (key, reference) in matrix.all {
                    let found = try tx.record(reference)
                    #expect((found != nil) == sees.contains(key), "\(principal) get \(key)")
                }
                for type in RecordType.allCases {
                    var ids: Set<String> = []
                    try tx.forEach(type, RecordQuery()) { record in
                        ids.insert(matrix.key(record.reference))
                        return true
                    }
                    let wanted = sees.filter { matrix.all[$0]?.type == type }
                    #expect(ids == wanted, "\(principal) find \(type.collection)")
                    #expect(try tx.count(type, RecordQuery()) == wanted.count, "\(principal) count \(type.collection)")
                }
                let total = try tx.sum(.grant, "amount_awarded", by: [], RecordQuery()).first?.total.minorUnits
                #expect(total == sums[principal].flatMap { $0 }.map { $0 * 100 }, "\(principal) sum grants")
                let grouped = try tx.count(.grant, by: ["programme"], RecordQuery())
                #expect(grouped.map(\.count).reduce(0, +) == sees.filter { $0.hasPrefix("g") }.count, "\(principal) count by programme")
            }
        }
    }

    /// update, every lifecycle step from a record's first status, and archive as each
    /// principal: allowed where expected;
    /// otherwise refused as forbidden (a record it sees) or not found (one it does not,
    /// said as for a record that never was), with nothing written.
    static func writes(_ factory: any StoreFactory) throws {
        let matrix = try AccessMatrix(factory)
        let before = try matrix.store.read { tx in try RecordType.allCases.map { try tx.count($0, RecordQuery()) } }
        for principal in AccessMatrix.principals {
            let sees = expected[principal]?.sees ?? []
            let changes = expected[principal]?.changes ?? []
            for (key, reference) in matrix.all {
                let operations: [(String, (PrincipalTransaction) throws -> Void)] = [
                    ("update", { tx in _ = try tx.update(reference, Self.changes[reference.type] ?? [:], context: context) }),
                    ("archive", { tx in _ = try tx.archive(reference, context: context) }),
                ] + Self.firstSteps(reference.type).map { verb, fields in
                    (verb, { tx in _ = try tx.step(reference, verb, fields, context: context) })
                }
                for (operation, body) in operations {
                    let outcome: String = try matrix.asPrincipal(principal) { tx throws in
                        do {
                            try body(tx)
                            return "allowed"
                        } catch let error as StoreError {
                            if error.kind == .notFound { #expect(error.message == StoreError.missingText(reference)) }
                            if error.kind == .forbidden { #expect(error.message.hasPrefix("\(principal) ("), "\(error.message)") }
                            return error.kind == .forbidden ? "forbidden" : error.kind == .notFound ? "absent" : "\(error)"
                        }
                    }
                    let wanted = changes.contains(key) ? "allowed" : sees.contains(key) ? "forbidden" : "absent"
                    #expect(outcome == wanted, "\(principal) \(operation) \(key)")
                }
            }
        }
        let after = try matrix.store.read { tx in try RecordType.allCases.map { try tx.count($0, RecordQuery()) } }
        #expect(after == before)
    }

    /// Each step that needs others first, for every principal and record: the record is
    /// taken there by the workspace, then the principal tries the step, in one transaction
    /// rolled back; allowed where it may change the record, else refused as in `writes`.
    static func laterStepWrites(_ factory: any StoreFactory) throws {
        let matrix = try AccessMatrix(factory)
        var tried = 0
        for principal in AccessMatrix.principals {
            let sees = expected[principal]?.sees ?? []
            let changes = expected[principal]?.changes ?? []
            for (key, reference) in matrix.all {
                for (verb, after) in laterSteps(reference.type) {
                    let outcome: String = try matrix.asPrincipal(principal) { tx throws in
                        for earlier in after { _ = try tx.forwarded.step(reference, earlier, [:], context: context) }
                        do {
                            _ = try tx.step(reference, verb, [:], context: context)
                            return "allowed"
                        } catch let error as StoreError {
                            return error.kind == .forbidden ? "forbidden" : error.kind == .notFound ? "absent" : "\(error)"
                        }
                    }
                    tried += 1
                    let wanted = changes.contains(key) ? "allowed" : sees.contains(key) ? "forbidden" : "absent"
                    #expect(outcome == wanted, "\(principal) \(after.joined(separator: ", ")), then \(verb) \(key)")
                }
            }
        }
        // A grant's review, award, reject, activate and close, and a partnership's finish, for each of six principals.
        #expect(tried == 6 * (4 * 5 + 1))
    }

    /// The error names who may not change whose records, with the owner's name when the
    /// principal may see the owner; a change it may make is audited with its name.
    static func refusalsAndAudit(_ factory: any StoreFactory) throws {
        let matrix = try AccessMatrix(factory)
        guard let g1 = matrix.records["g1"], let g4 = matrix.records["g4"] else { return }
        try matrix.asPrincipal("editorA") { tx throws in
            do {
                _ = try tx.update(g1, ["title": .string("x")], context: context)
                Issue.record("editorA changed g1")
            } catch let error as StoreError {
                #expect(error.kind == .forbidden)
                #expect(error.message == "editorA (editor, Agency for Social Information) may not change grants of Presidential Grants Foundation")
            }
        }
        try matrix.store.write(commit: true) { tx in
            guard let person = try tx.record(matrix.people["editorA"] ?? g1) else { return }
            let policy = try AccessPolicy.load(for: person, in: tx, now: morning, timeZone: .gmt)
            _ = try PrincipalTransaction(tx, policy: policy, schema: .standard).update(g4, ["title": .string("g4 renamed")], context: context)
        }
        let audit = try matrix.store.read { tx in try tx.audit(of: g4) }
        #expect(audit.last?.field == "title")
        #expect(audit.last?.principal == "editorA (editor, Agency for Social Information)")
        #expect(audit.first?.principal == nil) // created by the workspace
        // Access changes are audited too, on the record they concern.
        let personAudit = try matrix.store.read { tx in try tx.audit(of: matrix.people["editorA"] ?? g4) }
        #expect(personAudit.contains { $0.action == .access && $0.field == "membership" && $0.newValue?.hasPrefix("editor of organisation#") == true })
        let shareAudit = try matrix.store.read { tx in try tx.audit(of: matrix.organisations["F"] ?? g4) }
        #expect(shareAudit.filter { $0.action == .access && $0.field == "share" }.count == 2)
    }

    /// Ways around the policy, each refused or answered with what the principal may see only.
    static func bypasses(_ factory: any StoreFactory) throws {
        let matrix = try AccessMatrix(factory)
        let all = matrix.all
        func ref(_ key: String) -> RecordReference { all[key] ?? RecordReference(.organisation, 0) }
        // A condition through a link reaches only linked records the principal sees: the
        // coordinator of C sees g1 (F's) but not its recipient A, so it cannot learn A's name by filtering.
        try matrix.asPrincipal("coordinatorC") { tx throws in
            let named = RecordQuery(filters: [RecordQuery.Filter("recipient", operand: .linked([RecordQuery.Filter("name", .prefix, .string("Agency"))]))])
            #expect(try tx.count(.grant, named) == 0)
            let linkedList = RecordQuery(filters: [RecordQuery.Filter("members", operand: .linked([RecordQuery.Filter("name", .prefix, .string("Agency"))]))])
            #expect(try tx.count(.partnership, linkedList) == 0)
            // Nor by its id, as a reference, among others, or as an owner or a participant: a
            // filter on a link to a hidden record matches nothing.
            for value: FieldValue in [.reference(ref("A")), .integer(ref("A").id)] {
                #expect(try tx.count(.grant, RecordQuery(filters: [RecordQuery.Filter("recipient", .equal, value)])) == 0)
                #expect(try tx.count(.grant, RecordQuery(filters: [RecordQuery.Filter("owner", .equal, value)])) == 0)
            }
            #expect(try tx.count(.grant, RecordQuery(filters: [RecordQuery.Filter("recipient", operand: .anyOf([.reference(ref("A")), .reference(ref("C"))]))])) == 2)
            #expect(try tx.count(.grant, RecordQuery(filters: [RecordQuery.Filter("recipient", .equal, .reference(ref("C")))])) == 2)
            #expect(try tx.count(.partnership, RecordQuery(filters: [RecordQuery.Filter("members", .equal, .reference(ref("A")))])) == 0)
            // The same with the id as text (a parameter passed on), in a list too.
            #expect(try tx.count(.grant, RecordQuery(filters: [RecordQuery.Filter("recipient", .equal, .string(" \(ref("A").id)"))])) == 0)
            #expect(try tx.count(.grant, RecordQuery(filters: [RecordQuery.Filter("recipient", operand: .anyOf([.string("\(ref("A").id)")]))])) == 0)
            #expect(try tx.count(.grant, RecordQuery(filters: [RecordQuery.Filter("recipient", .equal, .string("\(ref("C").id)"))])) == 2)
            #expect(try tx.record(ref("A")) == nil)
            // Grouped by the link, a hidden recipient is no group of its own: g1 (to A) and g3 (to B)
            // count as grants to no one it sees.
            let byRecipient = try tx.count(.grant, by: ["recipient"], RecordQuery())
            #expect(byRecipient.contains { $0.group == [nil] && $0.count == 2 }, "\(byRecipient)")
            #expect(!byRecipient.contains { $0.group == [.reference(ref("A"))] })
            #expect(try tx.sum(.grant, "amount_awarded", by: ["recipient"], RecordQuery()).allSatisfy { $0.group != [.reference(ref("A"))] })
            // Its record, read through the store as the Lua API reads it, keeps the id (shown as nil
            // there); what shows ids as they are (the HTTP API, exports) leaves it out.
            tx.hidesLinks = true
            #expect(try tx.record(ref("g1"))?.fields["recipient"] == nil)
            #expect(try tx.record(ref("g1"))?.fields["funder"] == .reference(ref("F")))
            var found: [Record] = []
            try tx.forEach(.grant, RecordQuery(orderBy: [("id", false)])) { found.append($0); return true }
            #expect(found.first?.fields["recipient"] == nil && found.count == 4)
            #expect(try tx.record(ref("pa1"))?.fields["members"] == .references([ref("C")]))
        }
        // A page after an id skips hidden ids rather than showing where they are.
        try matrix.asPrincipal("viewerA") { tx throws in
            var ids: [Int64] = []
            try tx.forEach(.grant, RecordQuery(filters: [RecordQuery.Filter("id", .greater, .integer(ref("g1").id))], orderBy: [("id", false)], limit: 1)) {
                ids.append($0.id)
                return true
            }
            #expect(ids == [ref("g4").id])
            // Grouped by owner, a sum shows only what the principal may see.
            let byOwner = try tx.sum(.grant, "amount_awarded", by: ["owner"], RecordQuery())
            #expect(byOwner.map(\.total.minorUnits).sorted() == [10_000, 40_000])
        }
        // A reference to a record it may not see is "does not exist", as for one that never
        // was, and nothing is written (the create is undone).
        try matrix.asPrincipal("editorB") { tx throws in
            let before = try tx.forwarded.count(.grant, RecordQuery())
            do {
                _ = try tx.create(.grant, ["title": .string("x"), "funder": .reference(ref("B")), "recipient": .reference(ref("C"))], context: context)
                Issue.record("editorB linked a grant to C, which it does not see")
            } catch let error as DomainError {
                #expect(error.message == "Grant field 'recipient': \(StoreError.missingText(ref("C")))")
            }
            #expect(try tx.forwarded.count(.grant, RecordQuery()) == before)
            // Nor may it add a participant it does not see, or give a record to another organisation.
            #expect(throws: StoreError.self) { try tx.addParticipant(ref("ev2"), ref("C"), role: "attendee", context: context) }
            do {
                _ = try tx.create(.grant, ["title": .string("y"), "funder": .reference(ref("B")), "recipient": .reference(ref("A")),
                                           "owner": .reference(ref("A"))], context: context)
                Issue.record("editorB created a grant owned by A")
            } catch let error as StoreError {
                #expect(error.kind == .forbidden)
                #expect(error.message == "editorB (editor, Tetradka Druzhby) may not create grants of Agency for Social Information")
            }
            // Its own: B's, as B is the funder.
            let own = try tx.create(.grant, ["title": .string("z"), "funder": .reference(ref("B")), "recipient": .reference(ref("A"))], context: context)
            #expect(own.owner == ref("B").id)
            do {
                _ = try tx.update(own.reference, ["owner": .reference(ref("A"))], context: context)
                Issue.record("editorB gave its grant to A")
            } catch let error as StoreError {
                #expect(error.kind == .forbidden)
            }
        }
        // A personal field is matched only where it is shown, and never ordered or grouped by.
        try matrix.asPrincipal("viewerA") { tx throws in
            let email = { (text: String) in RecordQuery(filters: [RecordQuery.Filter("email", .equal, .string(text))]) }
            #expect(try tx.count(.person, email("viewera@example.org")) == 1)
            #expect(try tx.count(.person, email("editora@example.org")) == 0)
            #expect(try tx.count(.person, RecordQuery(filters: [RecordQuery.Filter("email", .prefix, .string("editor"))])) == 0)
            #expect(throws: DomainError.self) { try tx.count(.person, by: ["email"], RecordQuery()) }
            #expect(throws: DomainError.self) { try tx.forEach(.person, RecordQuery(orderBy: [("email", false)])) { _ in true } }
        }
        try matrix.asPrincipal("editorA") { tx throws in
            #expect(try tx.count(.person, RecordQuery(filters: [RecordQuery.Filter("email", .prefix, .string("editor"))])) == 1)
        }
        // A value taken by a record the principal does not see is said without naming it.
        try matrix.asPrincipal("editorB") { tx throws in
            do {
                _ = try tx.update(ref("t1"), ["identifier": .string("taken")], context: context)
                _ = try tx.forwarded.update(ref("t2"), ["identifier": .string("secret-id")], context: context)
                _ = try tx.update(ref("t1"), ["identifier": .string("secret-id")], context: context)
                Issue.record("a duplicate identifier was kept")
            } catch let error as StoreError {
                #expect(error.kind == .duplicate)
                #expect(error.message == "another task has identifier 'secret-id' already; identifiers are unique", "\(error.message)")
            }
        }
        // A share to edit lets its grantee change the record, not give it away (all rolled back).
        try matrix.store.write(commit: false) { base in
            _ = try base.saveShare(RecordShare(owner: ref("F").id, recordType: .grant, grantee: .organisation(ref("A").id), access: .edit), context: context)
            guard let person = try base.record(ref("editorA")) else { return }
            let tx = PrincipalTransaction(base, policy: try AccessPolicy.load(for: person, in: base, now: morning, timeZone: .gmt), schema: .standard)
            #expect(try tx.update(ref("g1"), ["title": .string("shared to edit")], context: context).fields["title"] == .string("shared to edit"))
            do {
                _ = try tx.update(ref("g1"), ["owner": .reference(ref("A"))], context: context)
                Issue.record("editorA took g1 from F")
            } catch let error as StoreError {
                #expect(error.kind == .forbidden)
                #expect(error.message == "editorA (editor, Agency for Social Information) may not give away grants of Presidential Grants Foundation")
            }
            // Nor through a lifecycle step's fields.
            #expect(throws: StoreError.self) { _ = try tx.step(ref("g1"), "submit", ["owner": .reference(ref("A"))], context: context) }
            // Its own grant goes to no organisation it does not edit for.
            #expect(throws: StoreError.self) { _ = try tx.step(ref("g4"), "submit", ["owner": .reference(ref("C"))], context: context) }
            #expect(try tx.forwarded.record(ref("g1"))?.owner == ref("F").id && tx.forwarded.record(ref("g4"))?.status == "draft")
        }
        // An owner it does not see and one that does not exist are refused alike, on a create and in a step's fields.
        try matrix.asPrincipal("editorB") { tx throws in
            let refusals = try [ref("C").id, 9_999].flatMap { id -> [String] in
                var said: [String] = []
                for attempt in [{ _ = try tx.create(.task, ["title": .string("x"), "owner": .integer(id)], context: context) },
                                { _ = try tx.step(ref("t1"), "complete", ["owner": .integer(id)], context: context) }] {
                    do {
                        try attempt()
                        said.append("allowed")
                    } catch let error as StoreError {
                        said.append(error.message)
                    }
                }
                return said
            }
            #expect(refusals == [String](repeating: "", count: 4).enumerated().map { index, _ in
                index % 2 == 0 ? "editorB (editor, Tetradka Druzhby) may not create tasks of another organisation"
                    : "editorB (editor, Tetradka Druzhby) may not give tasks to another organisation"
            }, "\(refusals)")
        }
        // A viewer creates nothing.
        try matrix.asPrincipal("viewerA") { tx throws in
            #expect(throws: StoreError.self) {
                _ = try tx.create(.task, ["title": .string("x")], context: context)
            }
        }
        // Events about hidden records are not told (`ctx.trigger.record`, `events(since:)`),
        // nor their audit.
        let g2Events = try matrix.store.read { tx in try tx.events(since: 0).filter { $0.event.record == ref("g2") } }
        #expect(!g2Events.isEmpty)
        try matrix.asPrincipal("viewerA") { tx throws in
            for (id, _) in g2Events { #expect(try tx.event(id: id) == nil) }
            #expect(try tx.events(since: 0).allSatisfy { $0.event.record != ref("g2") })
            #expect(try tx.events(since: 0).contains { $0.event.record == ref("g1") })
            #expect(try tx.audit(of: ref("g2")).isEmpty)
            #expect(try tx.participants(of: ref("ev2")).isEmpty)
        }
        // Access is managed by admins of the organisation, networks by the workspace only.
        try matrix.asPrincipal("editorA") { tx throws in
            let share = RecordShare(owner: ref("A").id, recordType: .grant, grantee: .network("south"), access: .read)
            #expect(throws: StoreError.self) { _ = try tx.saveShare(share, context: context) }
            #expect(throws: StoreError.self) {
                try tx.saveMembership(Membership(person: ref("editorA").id, organisation: ref("A").id, role: .admin), context: context)
            }
            #expect(throws: StoreError.self) { _ = try tx.addNetworkMember(NetworkMember(network: "south", organisation: ref("A").id), context: context) }
            #expect(try tx.shares().isEmpty)
        }
        try matrix.asPrincipal("adminF") { tx throws in
            let share = RecordShare(owner: ref("F").id, recordType: .task, grantee: .organisation(ref("B").id), access: .read)
            #expect(try tx.saveShare(share, context: context) > 0)
            #expect(try tx.shares().count == 3)
        }
    }

    /// Personal fields (a person's email) show to whoever changes the record whole, and to the person.
    static func personalFields(_ factory: any StoreFactory) throws {
        let matrix = try AccessMatrix(factory)
        guard let viewer = matrix.people["viewerA"], let editor = matrix.people["editorA"] else { return }
        try matrix.asPrincipal("viewerA") { tx throws in
            #expect(try tx.record(viewer)?.fields["email"] == .string("viewera@example.org"))
            #expect(try tx.record(editor)?.fields["email"] == nil)
            #expect(try tx.record(editor)?.fields["name"] == .string("editorA"))
            var emails: [FieldValue?] = []
            try tx.forEach(.person, RecordQuery(orderBy: [("id", false)])) {
                emails.append($0.fields["email"])
                return true
            }
            #expect(emails == [.string("viewera@example.org"), nil])
            #expect(try tx.audit(of: editor).allSatisfy { !($0.newValue ?? "").contains("editora@example.org") })
            let created = try tx.events(since: 0).first { $0.event.record == editor }
            #expect(created != nil && created?.event.fields["email"] == nil)
        }
        try matrix.asPrincipal("editorA") { tx throws in
            #expect(try tx.record(viewer)?.fields["email"] == .string("viewera@example.org"))
        }
    }

    /// `forget`: a person's personal fields go from their record, the audit's values (a
    /// change's and the creation's), events' data and unsent messages; sent ones stay; an
    /// audit entry says so; a principal may not.
    static func forgetting(_ factory: any StoreFactory) throws {
        let store = try factory.newStore()
        let (person, unsent, sent) = try store.write(commit: true) { tx in
            let org = try tx.create(.organisation, ["name": .string("Agency for Social Information")], context: context)
            let person = try tx.create(.person, ["name": .string("Elena Topoleva"), "email": .string("elena@asi.example"),
                                                 "organisation": .reference(org.reference)], context: context)
            _ = try tx.update(person.reference, ["email": .string("elena.t@asi.example")], context: context)
            let unsent = try tx.queueMessage(OutgoingMessage(to: [MailAddress(address: "elena.t@asi.example")], subject: "For elena.t@asi.example",
                                                             body: "Write to elena.t@asi.example", html: "<p>elena.t@asi.example</p>", queuedAt: morning))
            var gone = OutgoingMessage(to: [MailAddress(address: "elena.t@asi.example")], subject: "Sent", body: "Sent to elena.t@asi.example",
                                       queuedAt: morning)
            gone.id = try tx.queueMessage(gone)
            gone.status = .sent
            gone.sentAt = morning
            try tx.saveMessage(gone)
            return (person.reference, unsent, gone.id)
        }
        let erased = try store.write(commit: true) { tx in try tx.forget(person, context: context) }
        #expect(erased.fields == ["email"])
        #expect(erased.auditEntries == 2 && erased.unsentMessages == 1, "\(erased)")
        #expect(erased.events >= 2, "\(erased)")
        try store.read { tx in
            #expect(try tx.record(person)?.fields["email"] == nil)
            #expect(try tx.record(person)?.fields["name"] == .string("Elena Topoleva"))
            let audit = try tx.audit(of: person)
            #expect(audit.allSatisfy { !(($0.oldValue ?? "") + ($0.newValue ?? "")).contains("asi.example") }, "\(audit)")
            #expect(audit.last?.action == .erase && audit.last?.newValue == "personal data erased: email")
            #expect(audit.contains { $0.field == "email" && $0.oldValue == ForgottenData.erased && $0.newValue == ForgottenData.erased })
            let events = try tx.events(since: 0).map(\.event).filter { $0.record == person }
            #expect(!events.isEmpty && events.allSatisfy { $0.fields["email"] == nil && $0.changes["email"] == nil })
            #expect(events.contains { $0.fields["name"] == .string("Elena Topoleva") })
            let messages = try tx.messages(MessageSelection())
            let kept = messages.first { $0.id == unsent }
            #expect(kept?.body == "Write to (erased)" && kept?.subject == "For (erased)" && kept?.html == "<p>(erased)</p>")
            #expect(messages.first { $0.id == sent }?.body == "Sent to elena.t@asi.example")
        }
        // A principal erases nothing.
        let matrix = try AccessMatrix(factory)
        try matrix.asPrincipal("adminF") { tx throws in
            #expect(throws: StoreError.self) { _ = try tx.forget(matrix.people["adminF"] ?? person, context: context) }
        }
    }

    /// What names records the principal may not see by their ids, beyond their fields:
    /// the order of a find by a link, the audit's values (a creation's JSON, a list's
    /// change) and an event's data.
    static func hiddenIDs(_ factory: any StoreFactory) throws {
        let matrix = try AccessMatrix(factory)
        func ref(_ key: String) -> RecordReference { matrix.all[key] ?? RecordReference(.organisation, 0) }
        let (a, b, c) = (ref("A"), ref("B"), ref("C"))
        // The workspace makes pa1 (A and C's) a partnership of A, B and C.
        try matrix.store.write(commit: true) { tx in
            _ = try tx.update(ref("pa1"), ["members": .references([a, b, c])], context: context)
        }
        // The coordinator of C sees g1 (to A), g2 (to C), g3 (to B) and g4 (to C), not A or B.
        try matrix.asPrincipal("coordinatorC") { tx throws in
            func order(_ field: String, descending: Bool) throws -> [String] {
                var keys: [String] = []
                try tx.forEach(.grant, RecordQuery(orderBy: [(field, descending)])) { keys.append(matrix.key($0.reference)); return true }
                return keys
            }
            // By recipient, descending: C's two, then A's and B's as grants to no one it sees,
            // in id order (the workspace's order, g3 before g1, would tell A's id from B's).
            #expect(try order("recipient", descending: true) == ["g2", "g4", "g1", "g3"])
            #expect(try order("owner", descending: true) == ["g1", "g2", "g3", "g4"])
            // Grouped by it, the group of no link comes where it sorts (first), not where A's or B's id would.
            #expect(try tx.count(.grant, by: ["recipient"], RecordQuery()).map(\.group) == [[nil], [.reference(c)]])
            #expect(try tx.sum(.grant, "amount_awarded", by: ["recipient"], RecordQuery()).map(\.total.minorUnits) == [40_000, 60_000])
            // The creation's values and a list's: each hidden link said as not visible.
            let created = try tx.audit(of: ref("g1")).first { $0.action == .create }
            #expect(created?.newValue?.contains(ref("F").description) == true, "\(created?.newValue ?? "")")
            #expect(created?.newValue?.contains(a.description) == false, "\(created?.newValue ?? "")")
            #expect(created?.newValue?.contains("(not visible)") == true)
            let members = try tx.audit(of: ref("pa1")).filter { $0.field == "members" }
            #expect(members.last?.oldValue == "(not visible), \(c.description)", "\(members)")
            #expect(members.last?.newValue == "(not visible), (not visible), \(c.description)", "\(members)")
            #expect(try tx.audit(of: ref("pa1")).allSatisfy { entry in
                ![entry.oldValue, entry.newValue].contains { $0?.contains(a.description) == true || $0?.contains(b.description) == true }
            })
            // An event's data, as `ctx.trigger` gives it: the link to A left out, the one to F kept.
            let events = try tx.events(since: 0).map(\.event)
            let g1Created = events.first { $0.record == ref("g1") && $0.name == "grant.created" }
            #expect(g1Created != nil && g1Created?.fields["recipient"] == nil, "\(String(describing: g1Created))")
            #expect(g1Created?.fields["funder"] == .reference(ref("F")))
            let membersChanged = events.last { $0.record == ref("pa1") }?.changes["members"]
            #expect(membersChanged?.old == .references([c]) && membersChanged?.new == .references([c]), "\(String(describing: membersChanged))")
        }
        // The workspace still sees every id.
        let whole = try matrix.store.read { tx in try tx.audit(of: ref("g1")).first { $0.action == .create } }
        #expect(whole?.newValue?.contains(a.description) == true)
    }

    /// Who acts as whom is said by a member's name or email: no principal changes them,
    /// its own included; a person made after a member does not pass for them; an
    /// archived member is said, not passed over. And a task belongs where what it is
    /// about does, so that a follow-up about a record shows only where the record does.
    static func identitiesAndTaskOwners(_ factory: any StoreFactory) throws {
        let matrix = try AccessMatrix(factory)
        func ref(_ key: String) -> RecordReference { matrix.all[key] ?? RecordReference(.organisation, 0) }
        try matrix.asPrincipal("editorB") { tx throws in
            for change: [String: FieldValue?] in [["name": .string("adminF")], ["email": .string("adminf@example.org")]] {
                do {
                    _ = try tx.update(ref("editorB"), change, context: context)
                    Issue.record("editorB changed its \(change.keys.joined())")
                } catch let error as StoreError {
                    #expect(error.kind == .forbidden)
                    #expect(error.message == "editorB (editor, Tetradka Druzhby) may not change the \(change.keys.joined()) of editorB, a member: "
                            + "a member's name and email say who acts as whom, and only the workspace changes them")
                }
            }
            // Anything else of its own, and its name as it is, it changes.
            #expect(try tx.update(ref("editorB"), ["role": .string("treasurer"), "name": .string("editorB")], context: context).fields["role"] == .string("treasurer"))
            // A person it makes with a member's name is not taken for the member.
            _ = try tx.create(.person, ["name": .string("adminF"), "email": .string("ADMINF@example.org"), "organisation": .reference(ref("B"))], context: context)
            #expect(try AccessPolicy.person(named: "adminF", in: tx.forwarded).reference == ref("adminF"))
            #expect(try AccessPolicy.person(named: "adminf@example.org", in: tx.forwarded).reference == ref("adminF"))
        }
        // Someone without a membership is no member: their name is theirs to change.
        try matrix.asPrincipal("outsider") { tx throws in
            #expect(try tx.update(ref("outsider"), ["name": .string("Outsider Renamed")], context: context).fields["name"] == .string("Outsider Renamed"))
        }
        // A member archived is said, not passed over for someone else of that name.
        try matrix.store.write(commit: false) { tx in
            _ = try tx.create(.person, ["name": .string("editorA")], context: context)
            _ = try tx.archive(ref("editorA"), context: context)
            #expect {
                _ = try AccessPolicy.person(named: "editorA", in: tx)
            } throws: { error in
                "\(error)".contains("person \(ref("editorA").id) (name 'editorA') is archived")
            }
        }
        // A task's owner: the record it is about's, an organisation it is about, or its assignee's organisation.
        try matrix.store.write(commit: false) { tx in
            let aboutGrant = try tx.create(.task, ["title": .string("report"), "about": .reference(ref("g1"))], context: context)
            let aboutOrg = try tx.create(.task, ["title": .string("call"), "about": .reference(ref("C"))], context: context)
            let assigned = try tx.create(.task, ["title": .string("visit"), "assignee": .reference(ref("editorA"))], context: context)
            let loose = try tx.create(.task, ["title": .string("think")], context: context)
            #expect([aboutGrant, aboutOrg, assigned, loose].map(\.owner) == [ref("F").id, ref("C").id, ref("A").id, nil])
        }
        // So a follow-up the workspace makes about ev1 (A's) is A's: the coordinator of C, in the other network, does not see it.
        try matrix.store.write(commit: true) { tx in
            _ = try tx.create(.task, ["title": .string("about ev1"), "about": .reference(ref("ev1"))], context: context)
        }
        try matrix.asPrincipal("coordinatorC") { tx throws in
            #expect(try tx.count(.task, RecordQuery(filters: [RecordQuery.Filter("title", .equal, .string("about ev1"))])) == 0)
        }
        try matrix.asPrincipal("editorA") { tx throws in
            #expect(try tx.count(.task, RecordQuery(filters: [RecordQuery.Filter("title", .equal, .string("about ev1"))])) == 1)
        }
    }

    static let all: [StoreConformanceCase] = [
        StoreConformanceCase("aMembersNameAndEmailSayWhoActsAsWhomAndATaskBelongsWhereWhatItIsAboutDoes") { try identitiesAndTaskOwners($0) },
        StoreConformanceCase("noOrderAuditValueOrEventDataShowsTheIDsOfRecordsThePrincipalMayNotSee") { try hiddenIDs($0) },
        StoreConformanceCase("eachPrincipalTakesALaterLifecycleStepOnlyWhereItMayChangeTheRecord") { try laterStepWrites($0) },
        StoreConformanceCase("forgettingAPersonErasesTheirPersonalDataFromTheRecordTheAuditEventsAndUnsentMessages") { try forgetting($0) },
        StoreConformanceCase("eachPrincipalGetsFindsCountsAndSumsExactlyTheRecordsItMaySee") { try reads($0) },
        StoreConformanceCase("eachPrincipalChangesOnlyWhatItMayAndIsToldAsForAMissingRecordOtherwise") { try writes($0) },
        StoreConformanceCase("aRefusalNamesWhoMayNotChangeWhoseRecordsAndChangesAreAuditedWithThePrincipal") { try refusalsAndAudit($0) },
        StoreConformanceCase("linksPagesSumsReferencesEventsAndAccessChangesDoNotLeadAroundThePolicy") { try bypasses($0) },
        StoreConformanceCase("personalFieldsShowOnlyToWhoeverChangesTheRecordWhole") { try personalFields($0) },
    ]
}
