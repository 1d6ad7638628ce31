import ArgumentParser
import ComityCore
import ComityEngine

/// `--format` of `comity import` and `comity export`: a plain format, or the 360Giving
/// Data Standard (grants only; JSON or CSV by the file's name).
enum ExchangeFormatOption: String, ExpressibleByArgument, CaseIterable {
    case csv, json
    case giving360 = "360giving"

    /// The plain format, or nil for 360Giving.
    var plain: ExchangeFormat? { ExchangeFormat(rawValue: rawValue) }

    /// 360Giving describes grants and nothing else.
    static func check(_ format: ExchangeFormatOption?, for type: RecordType) throws {
        if format == .giving360, type != .grant { throw ValidationError("--format 360giving is for grants") }
    }
}
