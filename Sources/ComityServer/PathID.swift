import Foundation

/// An id as a request's path gives it (`/v1/orgs/12`, `/v1/runs/3d95-...`), the
/// percent-encoding of its segment undone: a record's or a queued run's is decimal
/// digits only (`+1` and `0x1` are not ids), from 1.
enum PathID {
    /// The segment as its client meant it.
    static func text(_ context: ComityRequestContext) -> String {
        let raw = context.parameters.get("id") ?? ""
        return raw.removingPercentEncoding ?? raw
    }

    /// A whole number from 1, or nil.
    static func number(_ context: ComityRequestContext) -> Int64? {
        guard let id = PageQuery.number(text(context)), id > 0 else { return nil }
        return id
    }
}
