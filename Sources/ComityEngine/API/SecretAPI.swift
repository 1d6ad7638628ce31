import ComityCore
import Foundation
import LuaBridge

/// `secrets.get`: API keys and passwords kept out of scripts.
enum SecretAPI {
    static var functions: [APIFunction] { [
        APIFunction(
            "secrets.get",
            summary: "A secret's value, from the environment (`COMITY_SECRET_NAME`) or `.comity/secrets` (owner-only). "
                + "It is kept out of the run's log, errors and output. A plugin needs `secrets = { \"NAME\" }` granted.",
            parameters: [APIParameter("name", .string, "The secret's name: `API_KEY`.")],
            results: [APIResult(.string, "The value.")],
            implementation: { call, context in
                let name = try call.string(1)
                guard let secrets = context.secrets else { throw LuaScriptError("secrets.get: this run has no workspace to read secrets from") }
                let value: String
                do {
                    value = try secrets.value(name)
                } catch {
                    throw LuaScriptError("secrets.get: \(error)")
                }
                if !context.secretValues.contains(where: { $0.name == name }) { context.secretValues.append((name, value)) }
                return try call.returning(value)
            }).requiring(.perName("secrets")),
    ] }
}
