import ComityCore
import Foundation
import Testing
@testable import ComityMessages

/// Every header of a message is written by one function, which refuses a value with
/// a control character whatever path queued it (an older database, a plugin).
@Suite struct MessageHeaderTests {
    func message(to: String = "a@b.org", subject: String = "Hello", body: String = "Text") -> OutgoingMessage {
        OutgoingMessage(id: 7, to: [MailAddress(address: to)], subject: subject, body: body, queuedAt: Timestamp(secondsSince1970: 1_600_000_000))
    }

    @Test func headersWithControlCharactersAreNotWritten() throws {
        #expect(throws: (any Error).self) { try MessageDelivery.rfc5322(message(to: "victim@example.org\n"), from: "n@example.org") }
        #expect(throws: (any Error).self) { try MessageDelivery.rfc5322(message(subject: "Спасибо\r\nBcc: x@y.org"), from: "n@example.org") }
        #expect(throws: (any Error).self) { try MessageDelivery.rfc5322(message(), from: "n@example.org\u{7F}") }
        #expect(throws: (any Error).self) { try MessageDelivery.rfc5322(message(body: "a\u{0}b"), from: "n@example.org") }
        let text = try MessageDelivery.rfc5322(message(body: "one\ntwo"), from: "n@example.org")
        #expect(text.contains("To: a@b.org\r\nSubject: Hello\r\n"))
        #expect(text.hasSuffix("\r\n\r\none\r\ntwo\r\n"))
    }

    /// An address as listings show it (the API's outbox) reads back as the one address
    /// it is, whatever its name holds.
    @Test func anAddressWrittenAsTextReadsBackAsOneAddress() throws {
        for name in ["Anna Petrova", "Board <x>", "Smith, John", "J. \"Jay\" Smith", "back\\slash", "Анна"] {
            let address = MailAddress(name: name, address: "anna@example.org")
            let text = address.description
            let read = try #require(MailAddress(parsing: text), "\(text)")
            #expect(read.address == "anna@example.org", "\(text)")
            #expect(!text.hasPrefix(name + " <") || !name.contains(where: { "<>,\"\\.".contains($0) }), "\(text)")
        }
        #expect(MailAddress(name: "Board <x>", address: "b@example.org").description == #""Board <x>" <b@example.org>"#)
        #expect(MailAddress(name: "Anna Petrova", address: "a@example.org").description == "Anna Petrova <a@example.org>")
    }

    @Test func addressesAreCheckedAsWholeValues() {
        #expect(EmailAddress.isValid("info@asi.org.ru"))
        for bad in ["victim@example.org\n", "a@b.org\r", "a@b.org\u{0}", "a b@c.org", "a@b", "@b.org", "a@b@c.org", "a@b.org,c@d.org", "a@.org", "a@b."] {
            #expect(!EmailAddress.isValid(bad), "\(bad.debugDescription)")
        }
    }
}
