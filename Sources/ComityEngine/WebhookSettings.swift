import HumanReadable
import LuaBridge

/// One webhook `comity serve` takes at `POST /hooks/NAME`, from `hooks` in comity.lua:
/// `hooks = { kobo = { secret = "KOBO_SECRET", workflow = "intake-kobo" } }`. The
/// secret is named, never given: its value comes from the workspace's secrets
/// (`COMITY_SECRET_KOBO_SECRET` or `.comity/secrets`), read at each delivery.
public struct WebhookSettings: Sendable, Equatable {
    /// How a sender signs: each hook takes one style only, so that a signature made for
    /// one cannot be passed off as the other's (the two would share a key).
    public enum Style: String, Sendable, CaseIterable {
        /// `X-Hub-Signature-256` over the body (GitHub; most form tools).
        case github
        /// `webhook-id`, `webhook-timestamp` and `webhook-signature` (Standard Webhooks).
        case standard
        /// `Typeform-Signature: sha256=<base64>` over the body, whose `event_id` names the
        /// delivery (Typeform's form responses).
        case typeform
    }

    public var name: String
    /// The name of the secret the body's HMAC-SHA256 is keyed with.
    public var secret: String
    /// The workflow each delivery queues.
    public var workflow: String
    public var style: Style
    /// The person the runs of its deliveries act as (`run_as`: an id, an email or a
    /// name): they see and change only what that person may. Nil for the workspace.
    public var runAs: String?

    public init(name: String, secret: String, workflow: String, style: Style = .github, runAs: String? = nil) {
        self.name = name
        self.secret = secret
        self.workflow = workflow
        self.style = style
        self.runAs = runAs
    }

    /// `hooks` of comity.lua, by name.
    static func all(_ table: LuaTable, file shown: String) throws(LuaError) -> [String: WebhookSettings] {
        var hooks: [String: WebhookSettings] = [:]
        for (key, value) in table.hash {
            guard let name = key.stringValue, Self.isName(name) else {
                throw LuaError(.runtime, "\(shown): hooks: '\(key.stringValue ?? key.typeName)' is not a hook name "
                    + "(lower-case letters, digits, '-' and '_', as in /hooks/kobo)")
            }
            guard case .table(let settings) = value else {
                throw LuaError(.runtime, "\(shown): hooks.\(name) must be a table, e.g. { secret = \"KOBO_SECRET\", workflow = \"intake\" }")
            }
            for settingKey in settings.hash.keys where !["secret", "workflow", "style", "run_as"].contains(settingKey.stringValue ?? "") {
                throw LuaError(.runtime, "\(shown): hooks.\(name) has no setting '\(settingKey.stringValue ?? settingKey.typeName)' (settings: secret, workflow, style, run_as)")
            }
            var runAs: String?
            if settings["run_as"] != .nil {
                guard let text = settings["run_as"].stringValue, !text.description.trimmingBlanks().isEmpty else {
                    throw LuaError(.runtime, "\(shown): hooks.\(name).run_as must name a person (an id, an email or a name), e.g. \"intake@asi.example\"")
                }
                runAs = text.description
            }
            var style = Style.github
            if settings["style"] != .nil {
                guard let text = settings["style"].stringValue, let given = Style(rawValue: text.description) else {
                    throw LuaError(.runtime, "\(shown): hooks.\(name).style must be \"github\" (X-Hub-Signature-256), \"standard\" (Standard Webhooks) or \"typeform\" (Typeform-Signature)")
                }
                style = given
            }
            guard let secret = settings["secret"].stringValue, !secret.isEmpty else {
                throw LuaError(.runtime, "\(shown): hooks.\(name).secret must name a secret, e.g. \"KOBO_SECRET\" "
                    + "(its value goes in COMITY_SECRET_KOBO_SECRET or .comity/secrets, never in comity.lua)")
            }
            guard let workflow = settings["workflow"].stringValue, !workflow.isEmpty else {
                throw LuaError(.runtime, "\(shown): hooks.\(name).workflow must name the workflow a delivery queues, e.g. \"intake\"")
            }
            hooks[name] = WebhookSettings(name: name, secret: secret, workflow: workflow, style: style, runAs: runAs)
        }
        return hooks
    }

    static func isName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64
            && name.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D || $0 == 0x5F }
    }
}
