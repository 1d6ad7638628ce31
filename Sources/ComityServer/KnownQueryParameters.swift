import Foundation
import HumanReadable
import Hummingbird

/// The query parameters a route takes: any other is refused with 400 and a did-you-mean,
/// as the record lists refuse a field that is not one, so a misspelt filter
/// (`stauts=held`) is not silently ignored and answered with everything.
enum KnownQueryParameters {
    /// The refusal of the first parameter of `request` not among `names`; nil when all are.
    static func refusal(_ request: Request, takes names: [String]) -> Response? {
        for (name, _) in RecordQueryParameters.items(request.uri.query) where !names.contains(name) {
            let near = NameSuggestion.closest(to: name, among: names).map { " (did you mean '\($0)'?)" } ?? ""
            let shown = name.replacingOccurrences(of: "\0", with: "%00")
            return ProblemDetails.response(.badRequest, "\(request.uri.path) takes no parameter '\(shown)'\(near); it takes \(names.joined(separator: ", "))")
        }
        return nil
    }
}
