import ArgumentParser
import ComityCore
import ComityService
import Foundation

struct AccessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "access",
        abstract: "Who may see what: members of organisations, networks, shares, and what a person sees.",
        discussion: """
            A person signs in as a member of organisations, each with a role: viewer, editor, coordinator (every \
            record of the networks their organisation belongs to) or admin. Every record belongs to an organisation \
            (its owner); an organisation shares records of a type with another organisation or a network, to read \
            or to edit. The workspace itself (this command line, cron, workers) may do anything. Every change here \
            is audited. `comity run --as PERSON` runs a script as that person sees the data.
            """,
        subcommands: [Show.self, Members.self, AddMember.self, RemoveMember.self, Networks.self, AddToNetwork.self,
                      RemoveFromNetwork.self, Shares.self, Share.self, Unshare.self],
        defaultSubcommand: Members.self)

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "What a person sees and may change, by record type.")

        @Argument(help: "The person: an id, an email or a name.")
        var person: String

        func run() throws {
            let view = try CommandFailure.reportingRefusals { try CommandEngine.open().accessView(of: person) }
            Output.print(view.principal)
            let rows = view.rows.map { [$0.type.collection, String($0.visible), String($0.changeable), String($0.total)] }
            Output.print(TextTable.text(header: ["RECORDS", "SEES", "CHANGES", "OF"], rows: rows), terminator: "")
        }
    }

    struct Members: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the members of organisations and their roles.")

        func run() throws {
            let members = try CommandFailure.reportingRefusals { try CommandEngine.open().members() }
            if members.isEmpty { return Output.print("no members (comity access add-member PERSON ORGANISATION --role editor)") }
            let rows = members.map { [String($0.membership.person), $0.person, String($0.membership.organisation), $0.organisation, $0.membership.role.rawValue] }
            Output.print(TextTable.text(header: ["ID", "PERSON", "ID", "ORGANISATION", "ROLE"], rows: rows), terminator: "")
        }
    }

    struct AddMember: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-member", abstract: "Make a person a member of an organisation, or change their role there.")

        @Argument(help: "The person: an id, an email or a name.")
        var person: String
        @Argument(help: "The organisation: an id, an identifier or a name.")
        var organisation: String
        @Option(help: "viewer, editor, coordinator or admin.")
        var role: String = "viewer"

        func validate() throws {
            do {
                _ = try AccessRole(named: role, field: "--role")
            } catch {
                throw ValidationError(error.message)
            }
        }

        func run() throws {
            let role = (try? AccessRole(named: role)) ?? .viewer
            let added = try CommandFailure.reportingRefusals { try CommandEngine.open().addMember(person: person, organisation: organisation, role: role) }
            Output.print("\(added.person) is \([.admin, .editor].contains(role) ? "an" : "a") \(role) of \(added.organisation)")
        }
    }

    struct RemoveMember: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "remove-member", abstract: "End a person's membership of an organisation.")

        @Argument(help: "The person: an id, an email or a name.")
        var person: String
        @Argument(help: "The organisation: an id, an identifier or a name.")
        var organisation: String

        func run() throws {
            try CommandFailure.reportingRefusals { try CommandEngine.open().removeMember(person: person, organisation: organisation) }
            Output.print("membership ended")
        }
    }

    struct Networks: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the networks and their organisations.")

        func run() throws {
            let networks = try CommandFailure.reportingRefusals { try CommandEngine.open().networks() }
            if networks.isEmpty { return Output.print("no networks (comity access add-to-network NAME ORGANISATION...)") }
            for network in networks { Output.print("\(network.network): \(network.organisations.joined(separator: "; "))") }
        }
    }

    struct AddToNetwork: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-to-network", abstract: "Add organisations to a network (made by its first member).")

        @Argument(help: "The network's name: letters, digits, - and _.")
        var network: String
        @Argument(help: "The organisations: ids, identifiers or names.")
        var organisations: [String]

        func run() throws {
            let added = try CommandFailure.reportingRefusals { try CommandEngine.open().addToNetwork(network, organisations: organisations) }
            Output.print(added.isEmpty ? "nothing added: all were in \(network)" : "added to \(network): \(added.joined(separator: "; "))")
        }
    }

    struct RemoveFromNetwork: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "remove-from-network", abstract: "Take an organisation out of a network.")

        @Argument(help: "The network's name.")
        var network: String
        @Argument(help: "The organisation: an id, an identifier or a name.")
        var organisation: String

        func run() throws {
            try CommandFailure.reportingRefusals { try CommandEngine.open().removeFromNetwork(network, organisation: organisation) }
            Output.print("removed from \(network)")
        }
    }

    struct Shares: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the shares.")

        func run() throws {
            let shares = try CommandFailure.reportingRefusals { try CommandEngine.open().shares() }
            if shares.isEmpty { return Output.print("no shares (comity access share OWNER grants --with ORGANISATION)") }
            let rows = shares.map { listing in
                let share = listing.share
                return [String(share.id), listing.ownerName, share.recordType.collection,
                        share.field.map { "\($0) = \(share.value ?? "")" } ?? "all", listing.granteeName, share.access.rawValue,
                        share.until?.description ?? "-"]
            }
            Output.print(TextTable.text(header: ["ID", "OWNER", "RECORDS", "WHERE", "WITH", "ACCESS", "UNTIL"], rows: rows), terminator: "")
        }
    }

    struct Share: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Share an organisation's records of one type with an organisation or a network.",
            discussion: "comity access share \"Presidential Grants Foundation\" grants --network round-table --where programme=\"Civil society\"")

        @Argument(help: "The organisation whose records are shared: an id, an identifier or a name.")
        var owner: String
        @Argument(help: "The records: \(RecordKind.allValueStrings.joined(separator: ", ")).")
        var records: RecordKind
        @Option(name: .customLong("with"), help: ArgumentHelp("The organisation shared with: an id, an identifier or a name.", valueName: "organisation"))
        var organisation: String?
        @Option(help: ArgumentHelp("The network shared with, instead of an organisation.", valueName: "name"))
        var network: String?
        @Option(name: .customLong("where"), help: ArgumentHelp("Only records whose field holds this value: programme=X, status=awarded, tags=X.",
                                                              valueName: "field=value"))
        var narrowing: String?
        @Flag(help: "Let the members that edit change the shared records too (read only otherwise).")
        var edit = false
        @Option(help: ArgumentHelp("The share's last day, such as 2027-12-31.", valueName: "date"))
        var until: String?

        func validate() throws {
            guard (organisation == nil) != (network == nil) else { throw ValidationError("give --with ORGANISATION or --network NAME (one of them)") }
            if let narrowing, !narrowing.contains("=") || narrowing.hasPrefix("=") {
                throw ValidationError("--where takes field=value, such as programme=Civil society; got '\(narrowing)'")
            }
            if let until {
                do {
                    _ = try CalendarDate(parsing: until, field: "--until")
                } catch {
                    throw ValidationError(error.message)
                }
            }
        }

        func run() throws {
            let parts = narrowing.map { $0.split(separator: "=", maxSplits: 1).map(String.init) }
            let day = until.flatMap { try? CalendarDate(parsing: $0) }
            let listing = try CommandFailure.reportingRefusals {
                try CommandEngine.open().share(owner: owner, type: records.type, with: organisation ?? network ?? "", withNetwork: network != nil,
                                               field: parts?.first, value: parts.flatMap { $0.count > 1 ? $0[1] : "" },
                                               access: edit ? .edit : .read, until: day)
            }
            Output.print("share \(listing.share.id): \(listing.ownerName)'s \(listing.share.recordType.collection) with \(listing.granteeName), \(listing.share.access.rawValue)")
        }
    }

    struct Unshare: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "End a share, by the id `comity access shares` shows.")

        @Argument(help: "The share's id.")
        var id: Int64

        func run() throws {
            try CommandFailure.reportingRefusals { try CommandEngine.open().unshare(id: id) }
            Output.print("share \(id) ended")
        }
    }
}
