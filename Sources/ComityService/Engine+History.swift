import ComityCore
import ComityEngine
import HumanReadable

extension Engine {
    /// The runs `filter` picks, newest first. A workflow with no runs is fine; a name
    /// that is no workflow (in Scripts/, a plugin, or the history) is a mistake, said
    /// with the nearest name.
    public func runs(_ filter: RunFilter) throws -> [RunRecord] {
        let runs = try store.read { try $0.runs(filter) }
        // An empty first page of a workflow's runs may be a misspelt name: said so.
        guard runs.isEmpty, filter.offset == 0, let name = filter.workflow else { return runs }
        let recorded = try store.read { try $0.runs(RunFilter(limit: 100_000)) }.compactMap(\.workflow)
        let names = Set(catalog().workflows.map(\.name) + recorded)
        guard !names.contains(name) else { return runs }
        // The workspace's own words (Scripts/), not its place on disk: an API caller sees this too.
        var message = "no workflow '\(name)' in Scripts/, its plugins or the run history"
        if let near = NameSuggestion.closest(to: name, among: names.sorted()) { message += " (did you mean '\(near)'?)" }
        throw EngineError.failed(message)
    }
}
