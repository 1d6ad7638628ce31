import ArgumentParser
import ComityCore
import ComityEngine
import ComityExchange
import LuaBridge

/// `--format` of `comity import` and `comity export`: a plain format, the 360Giving Data
/// Standard (grants only; JSON or CSV by the file's name), or one a plugin provides.
struct ExchangeFormatOption: ExpressibleByArgument, Equatable {
    enum Kind: Equatable {
        case plain(ExchangeFormat)
        case giving360
        /// A name a plugin's `provides.formats` should have; checked once the workspace is open.
        case plugin(String)
    }

    let kind: Kind

    static let giving360 = ExchangeFormatOption(kind: .giving360)

    init(kind: Kind) { self.kind = kind }

    init?(argument: String) {
        let name = argument.lowercased()
        if let plain = ExchangeFormat(rawValue: name) {
            kind = .plain(plain)
        } else if name == "360giving" {
            kind = .giving360
        } else if ModuleName.isValid(name), !name.contains(".") {
            kind = .plugin(name)
        } else {
            return nil
        }
    }

    static var allValueStrings: [String] { ExchangeFormat.allCases.map(\.rawValue) + ["360giving"] }

    /// The plain format, or nil for 360Giving and plugin formats.
    var plain: ExchangeFormat? {
        if case .plain(let format) = kind { return format }
        return nil
    }

    /// The plugin format's name, if it is one.
    var pluginFormat: String? {
        if case .plugin(let name) = kind { return name }
        return nil
    }

    /// 360Giving describes grants and nothing else.
    static func check(_ format: ExchangeFormatOption?, for type: RecordType) throws {
        if format == .giving360, type != .grant { throw ValidationError("--format 360giving is for grants") }
    }
}
