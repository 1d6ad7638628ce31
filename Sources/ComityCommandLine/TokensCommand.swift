import ArgumentParser
import ComityCore
import ComityService
import Foundation

struct TokensCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens",
        abstract: "API tokens for comity serve: create (shown once), list, revoke.",
        discussion: """
            A request to the API under /v1 sends one as `Authorization: Bearer <token>`. Only the token's \
            SHA-256 is stored; a lost token cannot be shown again: revoke it and create another.
            """,
        subcommands: [Create.self, List.self, Revoke.self],
        defaultSubcommand: List.self)

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a token and print it, this once.")

        @Argument(help: "A name for who uses it (coordinator-laptop); request logs show it, never the token.")
        var name: String

        @Option(help: "read (GET) or write (also POST, PATCH, DELETE).")
        var scope: String = "read"

        @Option(name: .customLong("as"), help: ArgumentHelp(
            "The person the token acts as (an id, an email or a name): its requests see and change only what they may, "
                + "and reach records, reports and workflows only. Without it, a workspace token.", valueName: "person"))
        var person: String?

        func validate() throws {
            guard AccessToken.Scope(rawValue: scope) != nil else { throw ValidationError("--scope must be read or write, not '\(scope)'") }
        }

        func run() throws {
            let engine = try CommandEngine.open()
            let created = try CommandFailure.reportingRefusals { try engine.createToken(name: name, scope: AccessToken.Scope(rawValue: scope) ?? .read, person: person) }
            Output.print(created.secret)
            Output.error("token '\(name)' (\(scope)) created; it is shown this once: keep it where its user keeps passwords\n")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the tokens: name, scope, created, last used, revoked.")

        func run() throws {
            let tokens = try CommandFailure.reportingRefusals { try CommandEngine.open().tokensWithPeople() }
            if tokens.isEmpty { return Output.print("no tokens (comity tokens create NAME)") }
            let rows = tokens.map { token, person in
                [token.name, token.scope.rawValue, person ?? "workspace", token.createdAt.description,
                 token.lastUsedAt?.description ?? "never", token.revokedAt?.description ?? "-"]
            }
            Output.print(TextTable.text(header: ["NAME", "SCOPE", "ACTS AS", "CREATED", "LAST USED", "REVOKED"], rows: rows), terminator: "")
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token: requests with it get 401 from now on.")

        @Argument(help: "The token's name.")
        var name: String

        func run() throws {
            let engine = try CommandEngine.open()
            try CommandFailure.reportingRefusals { try engine.revokeToken(name: name) }
            Output.print("token '\(name)' revoked")
        }
    }
}
