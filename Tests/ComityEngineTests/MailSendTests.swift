import ComityCore
import ComitySQLite
import Foundation
import LuaBridge
import Testing
@testable import ComityEngine

/// `mail.send` with several recipients, copies, an HTML alternative and attachments,
/// through a real Lua state and a real SQLite outbox; what it refuses, and why.
@Suite struct MailSendTests {
    /// A workspace with `inbox/` files and a report that counts organisations (and tries
    /// to write one, which must not be kept).
    func workspace(inbox: [String: Data] = [:]) throws -> WorkflowWorkspace {
        let workspace = try WorkflowWorkspace([:])
        let reports = workspace.folder.appendingPathComponent("Scripts/reports")
        try FileManager.default.createDirectory(at: reports, withIntermediateDirectories: true)
        try """
            return workflow {
              name = "report-org-count",
              params = { label = { type = "string", default = "Organisations" } },
              run = function(ctx)
                local n = orgs.count {}
                orgs.create { name = "Written by the report" }
                return report { title = ctx.params.label, sections = { { text = "There are " .. n .. " organisations." } } }
              end,
            }
            """.write(to: reports.appendingPathComponent("org-count.lua"), atomically: true, encoding: .utf8)
        let folder = workspace.folder.appendingPathComponent("inbox")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, data) in inbox { try data.write(to: folder.appendingPathComponent(name)) }
        return workspace
    }

    func run(_ body: String, in workspace: WorkflowWorkspace, maxFileSize: Int? = nil) throws -> (ScriptRun, [String]) {
        try workspace.write("send.lua", "return workflow { name = 'send', run = function(ctx)\n\(body)\nend }\n")
        var runner = workspace.runner()
        if let maxFileSize { runner.maxFileSize = maxFileSize }
        let lines = Lines()
        let run = runner.run(file: "Scripts/send.lua") { lines.all.append($0) }
        return (run, lines.all)
    }

    @Test func everyFieldIsKeptInTheOutbox() throws {
        let pdf = Data((0..<3000).map { UInt8(truncatingIfNeeded: $0 * 7) })
        let workspace = try workspace(inbox: ["budget.pdf": pdf])
        let (run, _) = try run("""
            orgs.create { name = "ASI" }
            mail.send {
              to = { "info@asi.org.ru", "Анна Петрова <anna@asi.org.ru>" },
              cc = { name = "Board", address = "board@example.org" },
              bcc = "archive@example.org",
              reply_to = "Grants team <grants@example.org>",
              subject = "Отчёт", body = "Plain", html = "<p>Rich</p>",
              attach = { "budget.pdf", { report = "org-count", format = "md", params = { label = "Orgs" }, name = "count.md" } },
            }
            """, in: workspace)
        #expect(run.succeeded, "\(run.outcome.error?.message ?? "")")
        let messages = try workspace.store.read { try $0.messages(nil) }
        let message = try #require(messages.first)
        #expect(message.to == [MailAddress(address: "info@asi.org.ru"), MailAddress(name: "Анна Петрова", address: "anna@asi.org.ru")])
        #expect(message.cc == [MailAddress(name: "Board", address: "board@example.org")])
        #expect(message.bcc == [MailAddress(address: "archive@example.org")])
        #expect(message.replyTo == [MailAddress(name: "Grants team", address: "grants@example.org")])
        #expect(message.html == "<p>Rich</p>")
        #expect(message.recipients == ["info@asi.org.ru", "anna@asi.org.ru", "board@example.org", "archive@example.org"])
        #expect(message.attachments.map(\.filename) == ["budget.pdf", "count.md"])
        #expect(message.attachments.first?.data == pdf)
        #expect(message.attachments.first?.contentType == "application/pdf")
        // The report ran in the run: it saw the organisation created before it, with
        // the parameter given, and what it wrote itself was undone.
        let report = String(decoding: message.attachments[1].data, as: UTF8.self)
        #expect(report.hasPrefix("# Orgs\n") && report.contains("There are 1 organisations."), "\(report)")
        #expect(try workspace.store.read { try $0.count(.organisation, RecordQuery()) } == 1)
        // A listing reads sizes without the bytes.
        let listed = try workspace.store.read { try $0.messages(.queued, withAttachmentData: false) }
        #expect(listed.first?.attachments.map(\.size) == [3000, message.attachments[1].data.count])
        #expect(listed.first?.attachments.allSatisfy(\.data.isEmpty) == true)
    }

    @Test(arguments: [
        ("mail.send { to = 'a@b.org', subjet = 's', body = 'b' }", "mail.send: unknown field 'subjet' (did you mean 'subject'?); fields: to, cc, bcc, reply_to, subject, body, html, attach, about"),
        ("mail.send { to = 'a@b.org', subject = 's', body = 'b', replyto = 'c@d.org' }", "unknown field 'replyto' (did you mean 'reply_to'?)"),
        ("mail.send { to = {}, subject = 's', body = 'b' }", "mail.send: 'to' needs at least one address"),
        ("mail.send { to = orgs.create { name = 'O', country = 'RU' }, subject = 's', body = 'b' }",
         "got a record or other object; give its address, such as to = person.email"),
        ("mail.send { 'a@b.org', subject = 's', body = 'b' }", "mail.send: fields are named (mail.send { to = ..., subject = ..., body = ... }); got a string without a name"),
        ("mail.send { to = 'a@b.org', subject = 's', body = 'b', html = '' }", "mail.send: 'html' must be non-empty text, got an empty string"),
        ("mail.send { to = 'a@b.org', subject = 's', body = 'b', attach = 'processed' }", "mail.send: 'processed' in inbox/ is not a regular file"),
        ("mail.send { to = 'a@b.org', cc = { 'c@d.org', 'e@' }, subject = 's', body = 'b' }", "mail.send: 'cc' #2 'e@' is not an email address: it does not have a domain"),
        ("mail.send { to = 'a@b.org', bcc = '-oQ/tmp/x@b.org', subject = 's', body = 'b' }", "is not an email address: it starts with '-'"),
        ("mail.send { to = 'Eve\\r\\nBcc: x@y.org <a@b.org>', subject = 's', body = 'b' }", "mail.send: 'to' 'Eve\\r\\nBcc: x@y.org <a@b.org>' is not an email address"),
        ("mail.send { to = { name = 'Eve\\nBcc: x@y.org', address = 'a@b.org' }, subject = 's', body = 'b' }", "the name must be one line without control characters"),
        ("mail.send { to = { nmae = 'Eve', address = 'a@b.org' }, subject = 's', body = 'b' }", "'to' has no field 'nmae' (did you mean 'name'?)"),
        ("mail.send { to = 'a@b.org', reply_to = 'Анна <анна@b.org>', subject = 's', body = 'b' }", "is not ASCII"),
        ("mail.send { to = 'a@b.org', subject = 's', body = 'b', html = 'x\\0y' }", "mail.send field 'html' has an invalid byte sequence: a NUL byte"),
        ("mail.send { to = 'a@b.org', subject = 's', body = 'b', attach = '../comity.lua' }", "mail.send: 'attach' '../comity.lua' has '..' in it, which is not allowed"),
        ("mail.send { to = 'a@b.org', subject = 's', body = 'b', attach = { 'sub/../note.txt' } }", "mail.send: 'attach' #1 'sub/../note.txt' has '..' in it, which is not allowed"),
        ("mail.send { to = 'a@b.org', subject = 's', body = 'b', attach = { file = 'note.txt', name = 'a\\\\b.txt' } }", "'name' must be a file name of one line without '/' or '\\'"),
        ("mail.send { to = 'a@b.org', subject = 's', body = 'b', attach = '/etc/passwd' }", "mail.send: 'attach' '/etc/passwd' is not a file inside inbox/"),
        ("mail.send { to = 'a@b.org', subject = 's', body = 'b', attach = { 'note.txt', 'outside' } }", "mail.send: 'attach' #2 'outside' leads outside inbox/"),
        ("mail.send { to = 'a@b.org', subject = 's', body = 'b', attach = 'pipe' }", "mail.send: 'pipe' in inbox/ is not a regular file"),
        ("mail.send { to = 'a@b.org', subject = 's', body = 'b', attach = 'big.bin' }", "mail.send: 'big.bin' is 2 KB, larger than files.max_size (1 KB) in comity.lua"),
        ("mail.send { to = 'a@b.org', subject = 's', body = 'b', attach = 'missing.pdf' }", "mail.send: cannot read 'missing.pdf' in inbox/ (no such file)"),
        ("mail.send { to = 'a@b.org', subject = 's', body = 'b', attach = 'bad\\nname.txt' }",
         "mail.send: 'attach': the file name must be a file name of one line without '/' or '\\' (at most 255 bytes), got 'bad\\nname.txt'; give one as name = ..."),
        ("mail.send { to = 'a@b.org', subject = 's', body = 'b', attach = { flie = 'note.txt' } }", "mail.send: 'attach' has no field 'flie' (did you mean 'file'?)"),
        ("mail.send { to = 'a@b.org', subject = 's', body = 'b', attach = { file = 'note.txt', name = '../x' } }", "'name' must be a file name of one line without '/'"),
        ("mail.send { to = 'a@b.org', subject = 's', body = 'b', attach = { file = 'note.txt', content_type = 'text/plain\\r\\nBcc: x' } }", "'content_type' must be a MIME type"),
        ("mail.send { to = 'a@b.org', subject = 's', body = 'b', attach = { report = 'org-cuont' } }", "mail.send: no report 'org-cuont' in Scripts/reports/ (did you mean 'org-count'?); reports: broken, nothing, org-count"),
        ("mail.send { to = 'a@b.org', subject = 's', body = 'b', attach = { report = 'org-count', format = 'pdf' } }", "no report format 'pdf' (formats: md, csv, json, html)"),
        ("mail.send { to = 'a@b.org', subject = 's', body = 'b', attach = { report = 'org-count', params = { lable = 'x' } } }",
         "send.lua:2: mail.send: report 'org-count': workflow 'report-org-count' has no parameter 'lable' (did you mean 'label'?)"),
        ("mail.send { to = 'a@b.org', subject = 's', body = 'b', attach = { report = 'broken' } }", "Scripts/reports/broken.lua:1: the report failed"),
        ("mail.send { to = 'a@b.org', subject = 's', body = 'b', attach = { report = 'nothing' } }", "mail.send: Scripts/reports/nothing.lua returned no report"),
    ])
    func badFieldsAreRefusedWithTheFieldNamed(script: String, expected: String) throws {
        let workspace = try workspace(inbox: ["note.txt": Data("note".utf8), "big.bin": Data(count: 2048), "bad\nname.txt": Data("x".utf8)])
        let inbox = workspace.folder.appendingPathComponent("inbox")
        try FileManager.default.createSymbolicLink(atPath: inbox.appendingPathComponent("outside").path,
                                                   withDestinationPath: workspace.folder.appendingPathComponent("Scripts/send.lua").path)
        #expect(mkfifo(inbox.appendingPathComponent("pipe").path, 0o600) == 0)
        try FileManager.default.createDirectory(at: inbox.appendingPathComponent("processed"), withIntermediateDirectories: true)
        let reports = workspace.folder.appendingPathComponent("Scripts/reports")
        try "error('the report failed')".write(to: reports.appendingPathComponent("broken.lua"), atomically: true, encoding: .utf8)
        try "return 42".write(to: reports.appendingPathComponent("nothing.lua"), atomically: true, encoding: .utf8)
        let (run, lines) = try run("print(select(2, pcall(function() \(script) end)))", in: workspace, maxFileSize: 1024)
        #expect(run.succeeded, "\(run.outcome.error?.message ?? "")")
        #expect(lines.first?.contains(expected) == true, "\(lines)")
        #expect(try workspace.store.read { try $0.messages(nil) }.isEmpty)
    }

    @Test func theAttachmentsOfOneMessageAreCapped() throws {
        let workspace = try workspace(inbox: ["a.bin": Data(count: 15 << 20), "b.bin": Data(count: 15 << 20)])
        let (run, lines) = try run("print(select(2, pcall(function() mail.send { to = 'a@b.org', subject = 's', body = 'b', attach = { 'a.bin', 'b.bin' } } end)))",
                                   in: workspace)
        #expect(run.succeeded)
        #expect(lines.first?.contains("mail.send: the attachments come to 30 MB with 'attach' #2, more than the 25 MB a message may carry") == true, "\(lines)")
    }

    @Test func aPluginNeedsReadInboxToAttachAFileAndCannotAttachAReport() throws {
        let folder = try pluginWorkspace([
            "Plugins/mailer/plugin.lua": """
                return { name = "mailer", version = "1.0", comity = ">=0.1", description = "sends",
                  permissions = { "send_mail" },
                  provides = { functions = { file = { summary = "attaches a file" }, report = { summary = "attaches a report" } } } }
                """,
            "Plugins/mailer/init.lua": """
                local M = {}
                function M.file() return select(2, pcall(function() mail.send { to = "a@b.org", subject = "s", body = "b", attach = "note.txt" } end)) end
                function M.report() return select(2, pcall(function() mail.send { to = "a@b.org", subject = "s", body = "b", attach = { report = "x" } } end)) end
                return M
                """,
            "inbox/note.txt": "note",
            "send.lua": "local mailer = require 'mailer'; print(mailer.file()); print(mailer.report())",
        ])
        var plugins = PluginCatalog.load(from: folder.appendingPathComponent("Plugins"))
        plugins.grants = ["mailer": ["send_mail"]]
        var api = APIRegistry.core
        plugins.register(into: &api)
        let store = try SQLiteStore(path: folder.appendingPathComponent(".comity/comity.db").path)
        var runner = ScriptRunner(workspace: folder, api: api, store: store)
        runner.plugins = plugins
        let lines = Lines()
        let run = runner.run(file: "send.lua") { lines.all.append($0) }
        #expect(run.succeeded, "\(run.outcome.error?.message ?? "")")
        #expect(lines.all.first?.contains("plugin 'mailer' called mail.send, which needs permission \"read_inbox\"") == true, "\(lines.all)")
        #expect(lines.all.dropFirst().first?.contains("a plugin cannot attach a report of the workspace") == true, "\(lines.all)")
    }
}
