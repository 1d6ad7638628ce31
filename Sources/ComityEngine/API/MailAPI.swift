import ComityCore
import ComityMessages
import ComityReports
import Foundation
import HumanReadable
import LuaBridge

/// `mail.send{...}`: queues a message in the outbox, in the run's transaction, so a
/// failed run queues nothing. Every field is checked here, when the script can still be
/// told its line; `comity outbox deliver` encodes and sends (MessageDelivery).
public enum MailAPI {
    /// The most a message's attachments may come to, before encoding: what common
    /// relays take (base64 adds a third).
    static let maxAttachmentBytes = 25 << 20
    /// The fields `mail.send{...}` takes.
    public static let fields = ["to", "cc", "bcc", "reply_to", "subject", "body", "html", "attach", "about"]
    static let attachmentFields = ["file", "report", "format", "params", "name", "content_type"]

    /// A field mail.send does not take, with the nearest it does: the run's refusal
    /// and `comity check`'s finding say it in the same words.
    public static func unknownField(_ name: String) -> String {
        let near = NameSuggestion.closest(to: name, among: fields).map { " (did you mean '\($0)'?)" } ?? ""
        return "mail.send: unknown field '\(name)'\(near); fields: \(fields.joined(separator: ", "))"
    }

    static var functions: [APIFunction] {
        [
            APIFunction(
                "mail.send",
                summary: """
                    Queues a message in the outbox: `mail.send { to = "a@b.org", subject = "...", body = "..." }`. \
                    Nothing is sent until `comity outbox deliver`; a failed run (or a dry run) queues nothing. \
                    Fields: `to` (required), `cc`, `bcc` and `reply_to`, each an address or a list of them, an address being \
                    `"a@b.org"`, `"Anna Petrova <anna@b.org>"` or `{ name = "Anna Petrova", address = "anna@b.org" }` \
                    (blind copies are not named in the headers delivered); `subject` (required, one line) and `body` \
                    (required, plain text); `html`, an HTML alternative of the body; `attach`, one attachment or a list: \
                    a file of `inbox/` (`"budget.pdf"` or `{ file = "budget.pdf", name = "Budget 2024.pdf", content_type = "application/pdf" }`) \
                    or a report of `Scripts/reports/` rendered in this run, seeing what it has written so far \
                    (`{ report = "grants-by-funder", format = "html", params = { from = "2024-01-01" }, name = "grants.html" }`; \
                    format md, csv, json or html (the default); what the report writes is undone), \(maxAttachmentBytes >> 20) MB in all; \
                    `about`, the record it is about. Names and subjects may be any Unicode text: they are sent as RFC 2047 \
                    encoded-words. A misspelled field is an error, with a suggestion.
                    """,
                parameters: [APIParameter("message", .table, "to, cc, bcc, reply_to, subject, body, html, attach and about, as above.")],
                results: [APIResult(.integer, "The message's id in the outbox.")],
                implementation: { call, context in
                    let transaction = try context.transaction(for: "mail.send")
                    let records = try context.recordBindings(for: "mail.send")
                    var given: [String: LuaValue] = [:]
                    try call.forEachEntry(1) { name, value in
                        guard let name else {
                            throw LuaScriptError("mail.send: fields are named (mail.send { to = ..., subject = ..., body = ... }); got a \(value.typeName) without a name")
                        }
                        guard fields.contains(name) else { throw LuaScriptError(unknownField(name)) }
                        given[name] = value
                    }
                    let caller: APIOrigin = if case .code(let chunk) = call.caller { APIOrigin(chunk: chunk) } else { .workspace }
                    let to = try addresses(given["to"], field: "to")
                    guard !to.isEmpty else { throw LuaScriptError("mail.send: 'to' needs at least one address") }
                    let subject = try text(given["subject"], field: "subject")
                    guard !TextValidity.hasControlCharacter(subject) else {
                        throw LuaScriptError("mail.send: the subject must be one line without control characters, got \(MessageHeaders.quoted(subject))")
                    }
                    let body = try text(given["body"], field: "body")
                    let html = try given["html"].flatMap { $0 == .nil ? nil : try text($0, field: "html") }
                    var about: RecordReference?
                    if let value = given["about"], value != .nil {
                        guard let object = records.recordObject(in: value) else {
                            throw LuaScriptError("mail.send: 'about' must be a record, got a \(value.typeName)")
                        }
                        about = try records.live(object).record.reference
                    }
                    let attachments = try self.attachments(given["attach"], call: call, context: context, caller: caller)
                    let message = OutgoingMessage(
                        to: to, cc: try addresses(given["cc"], field: "cc"), bcc: try addresses(given["bcc"], field: "bcc"),
                        replyTo: try addresses(given["reply_to"], field: "reply_to"), subject: subject, body: body, html: html,
                        attachments: attachments, about: about, queuedAt: context.now, run: context.run)
                    if let about {
                        // No one a run mails about a record may be a person who may not see it.
                        let base = (transaction as? PrincipalTransaction)?.forwarded ?? transaction
                        let blind = try AccessPolicy.principals(among: (message.to + message.cc + message.bcc).map(\.address), whoMayNotSee: about,
                                                                in: base, now: Timestamp(Date()), timeZone: context.timeZone)
                        if !blind.isEmpty {
                            throw LuaScriptError("mail.send: the message is about \(about), which \(blind.joined(separator: "; ")) may not see; "
                                                 + "send it to those who may, or about a record they see")
                        }
                    }
                    try context.beforeWrite()
                    return call.returning(try transaction.queueMessage(message))
                }),
        ]
    }

    /// Non-empty text; the bytes as Lua has them: NUL and invalid UTF-8 are refused,
    /// not cut or replaced.
    static func text(_ value: LuaValue?, field: String) throws -> String {
        guard case .string(let bytes)? = value, !bytes.bytes.isEmpty else {
            let got = switch value {
            case .string?: ", got an empty string"
            case nil, .nil?: ""
            case let other?: ", got a \(other.typeName)"
            }
            throw LuaScriptError("mail.send: '\(field)' must be non-empty text" + got)
        }
        do {
            return try TextValidity.text(bytes.bytes, field: field, record: "mail.send")
        } catch {
            throw LuaScriptError(error.message)
        }
    }

    /// An address field: one address or a list of them (none when absent).
    static func addresses(_ value: LuaValue?, field: String) throws -> [MailAddress] {
        guard let value, value != .nil else { return [] }
        if case .table(let table) = value, table["address"] == .nil {
            guard table.hash.isEmpty else {
                throw LuaScriptError("mail.send: '\(field)' must be an address or a list of addresses, got a table with no 'address'")
            }
            return try table.array.enumerated().map { try address($1, field: field, position: $0 + 1) }
        }
        return [try address(value, field: field, position: nil)]
    }

    static func address(_ value: LuaValue, field: String, position: Int?) throws -> MailAddress {
        let place = "'\(field)'" + (position.map { " #\($0)" } ?? "")
        let parsed: MailAddress
        switch value {
        case .string:
            let text = try self.text(value, field: field)
            guard let found = MailAddress(parsing: text) else {
                throw LuaScriptError("mail.send: \(place) \(MessageHeaders.quoted(text)) is not an email address (give \"a@b.org\", \"Name <a@b.org>\" or { name = ..., address = ... })")
            }
            // The whole value, control characters included: a final newline would end the headers.
            if TextValidity.hasControlCharacter(text) {
                throw LuaScriptError("mail.send: \(place) \(MessageHeaders.quoted(text)) is not an email address")
            }
            parsed = found
        case .table(let table):
            for key in table.hash.keys {
                guard let name = key.stringValue, ["name", "address"].contains(name) else {
                    let shown = key.stringValue ?? key.typeName
                    let near = key.stringValue.flatMap { NameSuggestion.closest(to: $0, among: ["name", "address"]) }.map { " (did you mean '\($0)'?)" } ?? ""
                    throw LuaScriptError("mail.send: \(place) has no field '\(shown)'\(near); an address is { name = ..., address = ... }")
                }
            }
            let name = table["name"] == .nil ? nil : try text(table["name"], field: field + ".name")
            if let name, TextValidity.hasControlCharacter(name) {
                throw LuaScriptError("mail.send: \(place): the name must be one line without control characters, got \(MessageHeaders.quoted(name))")
            }
            parsed = MailAddress(name: name, address: try text(table["address"], field: field + ".address"))
        case .userdata:
            // Most often a record (`to = org`): its address is a field of it.
            throw LuaScriptError("mail.send: \(place) must be an address (text or { name = ..., address = ... }), got a record or other object; "
                                 + "give its address, such as to = person.email")
        default:
            throw LuaScriptError("mail.send: \(place) must be an address (text or { name = ..., address = ... }), got a \(value.typeName)")
        }
        if let problem = MailAddress.problem(with: parsed.address) {
            throw LuaScriptError("mail.send: \(place) \(MessageHeaders.quoted(parsed.address)) is not an email address: it \(problem)")
        }
        if let name = parsed.name, TextValidity.hasControlCharacter(name) {
            throw LuaScriptError("mail.send: \(place): the name must be one line without control characters, got \(MessageHeaders.quoted(name))")
        }
        return parsed
    }

    /// `attach`: one attachment (a file name, or a table with `file` or `report`) or a list.
    static func attachments(_ value: LuaValue?, call: borrowing LuaCall, context: APIContext, caller: APIOrigin) throws -> [MessageAttachment] {
        guard let value, value != .nil else { return [] }
        let items: [LuaValue]
        switch value {
        case .string: items = [value]
        case .table(let table) where table.hash.isEmpty: items = table.array
        case .table: items = [value]
        default: throw LuaScriptError("mail.send: 'attach' must be a file of inbox/, { file = ... }, { report = ... } or a list of them, got a \(value.typeName)")
        }
        var attachments: [MessageAttachment] = []
        var total = 0
        for (index, item) in items.enumerated() {
            let place = items.count == 1 && value == item ? "'attach'" : "'attach' #\(index + 1)"
            let attachment = try self.attachment(item, place: place, call: call, context: context, caller: caller)
            total += attachment.size
            guard total <= maxAttachmentBytes else {
                throw LuaScriptError("mail.send: the attachments come to \(InboxRead.describe(total)) with \(place), more than the \(maxAttachmentBytes >> 20) MB a message may carry")
            }
            attachments.append(attachment)
        }
        return attachments
    }

    static func attachment(_ item: LuaValue, place: String, call: borrowing LuaCall, context: APIContext,
                           caller: APIOrigin) throws -> MessageAttachment {
        var table = LuaTable()
        switch item {
        case .string: table["file"] = item
        case .table(let given):
            guard given.array.isEmpty else { throw LuaScriptError("mail.send: \(place) must be { file = ... } or { report = ... }, not a list") }
            for key in given.hash.keys {
                guard let name = key.stringValue, attachmentFields.contains(name) else {
                    let shown = key.stringValue ?? key.typeName
                    let near = key.stringValue.flatMap { NameSuggestion.closest(to: $0, among: attachmentFields) }.map { " (did you mean '\($0)'?)" } ?? ""
                    throw LuaScriptError("mail.send: \(place) has no field '\(shown)'\(near); fields: \(attachmentFields.joined(separator: ", "))")
                }
            }
            table = given
        default:
            throw LuaScriptError("mail.send: \(place) must be a file of inbox/, { file = ... } or { report = ... }, got a \(item.typeName)")
        }
        let hasFile = table["file"] != .nil, hasReport = table["report"] != .nil
        guard hasFile != hasReport else {
            throw LuaScriptError("mail.send: \(place) needs either 'file' (a file of inbox/) or 'report' (a report of Scripts/reports/)")
        }
        let given = table["name"] == .nil ? nil : try text(table["name"], field: "name")
        // The name given, or the file's or report's own: each goes into a header.
        func filename(_ name: String) throws -> String {
            guard !TextValidity.hasControlCharacter(name), !name.contains("/"), !name.contains("\\"),
                  name.utf8.count <= 255, name != ".", name != ".." else {
                throw LuaScriptError("mail.send: \(place): \(given == nil ? "the file name" : "'name'") must be a file name of one line without '/' or '\\' (at most 255 bytes), got \(MessageHeaders.quoted(name))\(given == nil ? "; give one as name = ..." : "")")
            }
            return name
        }
        if let given { _ = try filename(given) }
        var contentType = table["content_type"] == .nil ? nil : try text(table["content_type"], field: "content_type")
        if let type = contentType {
            let token = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$&^_.+-")
            let parts = type.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(token.contains) }) else {
                throw LuaScriptError("mail.send: \(place): 'content_type' must be a MIME type such as \"application/pdf\", got \(MessageHeaders.quoted(type))")
            }
            contentType = type.lowercased()
        }
        if hasFile {
            for key in ["format", "params"] where table[key] != .nil {
                throw LuaScriptError("mail.send: \(place): '\(key)' is for a report; a file is sent as it is")
            }
            if case .plugin(let plugin) = caller { try context.checkPermission("read_inbox", plugin: plugin, for: "mail.send") }
            let name = try text(table["file"], field: "file")
            let url = try inboxFile(name, place: place, context: context)
            let work = call.state.hostWork()
            defer { work.finish() }
            let data = try InboxRead.data(url, shownAs: name, for: "mail.send", context: context, work: work)
            let shown = try filename(given ?? url.lastPathComponent)
            return MessageAttachment(filename: shown, contentType: contentType ?? Self.contentType(of: shown),
                                     origin: "inbox/\(name)", data: data)
        }
        guard case .workspace = caller else {
            throw LuaScriptError("mail.send: \(place): a plugin cannot attach a report of the workspace; render it and attach its text as a file")
        }
        let report = try text(table["report"], field: "report")
        let formatName = table["format"] == .nil ? "html" : try text(table["format"], field: "format")
        guard let format = ReportFormat(rawValue: formatName) else {
            throw LuaScriptError("mail.send: \(place): no report format '\(formatName)' (formats: \(ReportFormat.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        var params: [String: String] = [:]
        switch table["params"] {
        case .nil: break
        case .table(let given) where given.array.isEmpty:
            for (key, value) in given.hash {
                guard let name = key.stringValue else { throw LuaScriptError("mail.send: \(place): 'params' keys must be names") }
                switch value {
                case .string(let s): params[name] = s.description
                case .integer(let i): params[name] = String(i)
                case .number(let d): params[name] = String(d)
                case .boolean(let b): params[name] = String(b)
                default:
                    // A date or time as the command line gives it: its text.
                    guard let shown = context.types.text(of: value, in: call.state) else {
                        throw LuaScriptError("mail.send: \(place): parameter '\(name)' must be text, a number or a boolean, got a \(value.typeName)")
                    }
                    params[name] = shown
                }
            }
        default:
            throw LuaScriptError("mail.send: \(place): 'params' must be a table of name = value")
        }
        guard let render = context.reportAttachment else {
            throw LuaScriptError("mail.send: \(place): reports can be attached only in a workspace's run")
        }
        let rendered = try render(report, format, params)
        return MessageAttachment(filename: try filename(given ?? "\(report).\(format.rawValue)"), contentType: contentType ?? Self.contentType(of: format),
                                 origin: "report \(report) (\(format.rawValue))", data: Data(rendered.utf8))
    }

    /// A file inside `inbox/`, said so when it is not: no absolute path, no `..`, no link
    /// leading out (FileAPI resolves it); what it is (a FIFO, too large) InboxRead checks.
    static func inboxFile(_ name: String, place: String, context: APIContext) throws -> URL {
        if name.split(separator: "/").contains("..") {
            throw LuaScriptError("mail.send: \(place) \(MessageHeaders.quoted(name)) has '..' in it, which is not allowed; name a file of inbox/ by its path inside it")
        }
        guard !name.hasPrefix("/"), !name.hasPrefix("~") else {
            throw LuaScriptError("mail.send: \(place) \(MessageHeaders.quoted(name)) is not a file inside inbox/; messages attach files of inbox/ (or reports) only")
        }
        do {
            return try FileAPI.file(context, name, for: "mail.send")
        } catch let error as LuaScriptError {
            throw LuaScriptError("mail.send: \(place) \(MessageHeaders.quoted(name)) leads outside inbox/; messages attach files of inbox/ (or reports) only"
                                 + (error.message.contains("needs a workspace") ? " (this run has no workspace)" : ""))
        }
    }

    static func contentType(of format: ReportFormat) -> String {
        switch format {
        case .md: "text/markdown; charset=utf-8"
        case .csv: "text/csv; charset=utf-8"
        case .json: "application/json"
        case .html: "text/html; charset=utf-8"
        }
    }

    /// By the file's extension; `application/octet-stream` for one not known.
    static func contentType(of filename: String) -> String {
        let types = [
            "pdf": "application/pdf", "csv": "text/csv", "txt": "text/plain", "md": "text/markdown", "html": "text/html",
            "htm": "text/html", "json": "application/json", "xml": "application/xml", "png": "image/png", "jpg": "image/jpeg",
            "jpeg": "image/jpeg", "gif": "image/gif", "svg": "image/svg+xml", "zip": "application/zip", "ics": "text/calendar",
            "doc": "application/msword", "xls": "application/vnd.ms-excel",
            "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "odt": "application/vnd.oasis.opendocument.text", "ods": "application/vnd.oasis.opendocument.spreadsheet",
        ]
        return types[URL(fileURLWithPath: filename).pathExtension.lowercased()] ?? "application/octet-stream"
    }
}
