import ComityCore
import Foundation
import LuaBridge

/// `mail.send{...}`: queues a message in the outbox, in the run's transaction, so a
/// failed run queues nothing. `comity outbox deliver` sends.
enum MailAPI {
    static var functions: [APIFunction] {
        [
            APIFunction(
                "mail.send",
                summary: "Queues a message in the outbox: `mail.send { to = \"a@b.org\", subject = \"...\", body = \"...\", about = record }`. Nothing is sent until `comity outbox deliver`; a failed run queues nothing.",
                parameters: [APIParameter("message", .table, "to, subject and body (text), and about (a record, optional).")],
                results: [APIResult(.integer, "The message's id in the outbox.")],
                implementation: { call, context in
                    let transaction = try context.transaction(for: "mail.send")
                    let records = try context.recordBindings(for: "mail.send")
                    var fields: [String: LuaValue] = [:]
                    try call.forEachEntry(1) { name, value in
                        guard let name, ["to", "subject", "body", "about"].contains(name) else {
                            throw LuaScriptError("mail.send: unknown field '\(name ?? "?")' (fields: to, subject, body, about)")
                        }
                        fields[name] = value
                    }
                    // The bytes as Lua has them: NUL and invalid UTF-8 are refused, not cut or replaced.
                    func text(_ name: String) throws -> String {
                        guard case .string(let bytes)? = fields[name], !bytes.bytes.isEmpty else {
                            throw LuaScriptError("mail.send: '\(name)' must be non-empty text")
                        }
                        do {
                            return try TextValidity.text(bytes.bytes, field: name, record: "mail.send")
                        } catch {
                            throw LuaScriptError(error.message)
                        }
                    }
                    let to = try text("to")
                    // The whole value, control characters included: a final newline would end the headers.
                    guard EmailAddress.isValid(to) else {
                        throw LuaScriptError("mail.send: 'to' \(MessageHeaders.quoted(to)) is not an email address")
                    }
                    let subject = try text("subject")
                    guard !TextValidity.hasControlCharacter(subject) else {
                        throw LuaScriptError("mail.send: the subject must be one line without control characters, got \(MessageHeaders.quoted(subject))")
                    }
                    var about: RecordReference?
                    if let value = fields["about"], value != .nil {
                        guard let object = records.recordObject(in: value) else {
                            throw LuaScriptError("mail.send: 'about' must be a record, got a \(value.typeName)")
                        }
                        about = try records.live(object).record.reference
                    }
                    let message = OutgoingMessage(to: to, subject: subject, body: try text("body"), about: about,
                                                  queuedAt: context.now, run: context.run)
                    try context.beforeWrite()
                    return call.returning(try transaction.queueMessage(message))
                }),
        ]
    }
}
