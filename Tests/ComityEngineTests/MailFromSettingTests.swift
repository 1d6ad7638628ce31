import ComityCore
import Foundation
import Testing
@testable import ComityEngine

/// `mail.from` in comity.lua is refused when it would be more than one header line.
@Suite struct MailFromSettingTests {
    @Test func mailFromInComityLuaIsOneLine() throws {
        let folder = try pluginWorkspace(["comity.lua": "return { mail = { from = 'n@example.org\\nBcc: x@y.org' } }"])
        #expect { _ = try Workspace.load(folder) } throws: { "\($0)".contains("mail.from 'n@example.org\\nBcc: x@y.org' holds a control character") }
    }
}
