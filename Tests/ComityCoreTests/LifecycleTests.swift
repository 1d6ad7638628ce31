import ComityCore
import Testing

@Suite struct LifecycleTests {
    @Test func illegalStepsSayWhatIsAllowed() throws {
        let error = try #require(throws: DomainError.self) { try GrantStatus.step("award", from: .rejected) }
        #expect(error.message == "cannot award a grant in status 'rejected' (allowed from: submitted, under_review)")
        #expect(error.kind == .illegalStep)
        let application = try #require(throws: DomainError.self) { try ApplicationStatus.step("dismiss", from: .accepted) }
        #expect(application.message == "cannot dismiss an application in status 'accepted' (allowed from: received, under_review)")
        let unknown = try #require(throws: DomainError.self) { try TaskStatus.step("finish", from: .open) }
        #expect(unknown.message == "task has no step 'finish' (steps: complete, cancel)")
    }

    @Test func stepsLeadWhereTheIssueSays() throws {
        #expect(try GrantStatus.step("award", from: .under_review).to == .awarded)
        #expect(try GrantStatus.step("award", from: .submitted).event == "grant.awarded")
        #expect(try ApplicationStatus.step("dismiss", from: .received).event == "application.dismissed")
        #expect(try EventStatus.step("hold", from: .planned).event == "event.held")
        #expect(try PartnershipStatus.step("activate", from: .proposed).event == "partnership.activated")
        #expect(try TaskStatus.step("complete", from: .open).to == .done)
        #expect(Set(GrantStatus.allCases.filter(\.isTerminal)) == [.rejected, .closed, .withdrawn])
        #expect(Set(ApplicationStatus.allCases.filter(\.isTerminal)) == [.accepted, .dismissed])
        #expect(Set(PartnershipStatus.allCases.filter(\.isTerminal)) == [.ended, .declined])
        #expect(Set(EventStatus.allCases.filter(\.isTerminal)) == [.held, .cancelled])
        #expect(Set(TaskStatus.allCases.filter(\.isTerminal)) == [.done, .cancelled])
    }

    /// Every verb from every status: allowed exactly when the status is in the step's
    /// `from` list, and every event is named `record.something`.
    @Test func everyVerbFromEveryStatus() throws {
        func check<S: LifecycleStatus>(_ type: S.Type) -> Int {
            var cases = 0
            for step in S.steps {
                #expect(step.event.hasPrefix(S.recordName + "."))
                for status in S.allCases {
                    cases += 1
                    let allowed = (try? S.step(step.verb, from: status)) != nil
                    #expect(allowed == step.from.contains(status), "\(S.recordName) \(step.verb) from \(status)")
                }
            }
            #expect(!S.initial.isTerminal)
            return cases
        }
        let total = check(GrantStatus.self) + check(ApplicationStatus.self) + check(PartnershipStatus.self)
            + check(EventStatus.self) + check(TaskStatus.self)
        #expect(total == 7 * 8 + 3 * 4 + 3 * 4 + 2 * 3 + 2 * 3)
    }

    @Test func statusNamesAreParsedWithTheAllowedOnesListed() throws {
        #expect(try GrantStatus(status: "under_review") == .under_review)
        let error = try #require(throws: DomainError.self) { try GrantStatus(status: "approved") }
        #expect(error.message == "invalid grant status 'approved' (allowed: draft, submitted, under_review, awarded, rejected, active, closed, withdrawn)")
    }
}
