import HumanReadable
import Testing

/// "Did you mean" hints: the nearest name, never the word itself.
@Suite struct NameSuggestionTests {
    @Test func theNearestNameIsSuggested() {
        #expect(NameSuggestion.closest(to: "contry", among: ["name", "country"]) == "country")
        #expect(NameSuggestion.closest(to: "Country", among: ["name", "country"]) == "country")
        #expect(NameSuggestion.closest(to: "xyz", among: ["name", "country"]) == nil)
    }

    /// A right name refused for another reason (`status`, which changes only through
    /// lifecycle steps) got "did you mean 'status'?".
    @Test func theWordItselfIsNeverSuggested() {
        #expect(NameSuggestion.closest(to: "status", among: ["status", "title"]) == nil)
    }
}
