/// The closest of some names to a misspelt one, for "did you mean" hints.
public enum NameSuggestion {
    /// The name among `names` nearest to `word` (ignoring case) when it is near enough
    /// to be a misspelling of it; nil when none is, or when `word` is itself one of them.
    public static func closest(to word: String, among names: [String]) -> String? {
        let target = Array(word.lowercased())
        var best: (name: String, distance: Int)?
        // The word itself is no suggestion: a name that is right but refused for
        // another reason (a field that changes only through steps) is not misspelled.
        for name in names.sorted() where name != word {
            let distance = editDistance(target, Array(name.lowercased()))
            if distance <= max(2, target.count / 3), distance < target.count, distance < (best?.distance ?? Int.max) {
                best = (name, distance)
            }
        }
        return best?.name
    }

    /// Optimal string alignment distance: insertions, deletions, substitutions and
    /// swaps of two neighbours each cost one.
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var beforePrevious = Array(repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = Array(repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], beforePrevious[j - 2] + 1)
                }
            }
            (beforePrevious, previous, current) = (previous, current, beforePrevious)
        }
        return previous[b.count]
    }
}
