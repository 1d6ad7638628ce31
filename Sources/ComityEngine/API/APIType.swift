import Foundation
import HumanReadable

/// The type of a parameter or result of the Lua API, as declared once in Swift and
/// shown in argument errors, the Markdown reference and the LuaLS stubs.
public indirect enum APIType: Sendable, Hashable, CustomStringConvertible {
    case integer
    case number
    case string
    case boolean
    case table
    case function
    case any
    /// A type the registry declares (`Money`, `Time`, `Duration`, record types).
    case named(String)
    /// May be nil or absent.
    case optional(APIType)
    /// Any one of these.
    case oneOf([APIType])
    /// A sequence of values of one type.
    case list(APIType)
    /// A function given to the API (a workflow's `run`), with what it is called with
    /// and returns: `fun(ctx: Context): Report?` for editors.
    case callable(parameters: [APIParameter], results: [APIType])

    /// The LuaLS spelling: `integer`, `Money?`, `integer|string`.
    public var description: String {
        switch self {
        case .integer: "integer"
        case .number: "number"
        case .string: "string"
        case .boolean: "boolean"
        case .table: "table"
        case .function: "function"
        case .any: "any"
        case .named(let name): name
        case .optional(.callable(let parameters, let results)): "(\(APIType.callable(parameters: parameters, results: results)))?"
        case .optional(let wrapped): "\(wrapped)?"
        case .oneOf(let types): types.map(\.description).joined(separator: "|")
        case .list(let element): "\(element)[]"
        case .callable(let parameters, let results):
            "fun(\(parameters.map { "\($0.name): \($0.type)" }.joined(separator: ", ")))"
                + (results.isEmpty ? "" : ": " + results.map(\.description).joined(separator: ", "))
        }
    }

    /// True when an argument of this type may be left out (`T?`, or `any`, which takes nil).
    public var isOptional: Bool {
        switch self {
        case .optional, .any: true
        default: false
        }
    }
}

/// A parameter of an API function.
public struct APIParameter: Sendable, Hashable {
    public let name: String
    public let type: APIType
    public let summary: String

    public init(_ name: String, _ type: APIType, _ summary: String) {
        self.name = name
        self.type = type
        self.summary = summary
    }
}

/// A result of an API function.
public struct APIResult: Sendable, Hashable {
    public let type: APIType
    public let summary: String

    public init(_ type: APIType, _ summary: String) {
        self.type = type
        self.summary = summary
    }
}

/// A field of a declared type, for the reference and the stubs: a name, a type and a
/// summary, as a parameter has.
public typealias APIField = APIParameter

extension APIType {
    /// The registry's types it names: `Money` in `Money?[]`.
    var namedTypes: [String] {
        switch self {
        case .named(let name): [name]
        case .optional(let wrapped), .list(let wrapped): wrapped.namedTypes
        case .oneOf(let options): options.flatMap(\.namedTypes)
        case .callable(let parameters, let results): parameters.flatMap(\.type.namedTypes) + results.flatMap(\.namedTypes)
        default: []
        }
    }

    /// A type as written in a plugin's manifest, in the LuaLS spelling `description`
    /// gives: `integer`, `Money?`, `string[]`, `Organisation|Grant`. Nil when it is not one.
    public init?(parsing text: String) {
        let trimmed = text.trimmingBlanks()
        if trimmed.hasSuffix("?") {
            guard let wrapped = APIType(parsing: String(trimmed.dropLast())) else { return nil }
            self = .optional(wrapped)
        } else if trimmed.contains("|") {
            let options = trimmed.split(separator: "|").map { APIType(parsing: String($0)) }
            guard options.count > 1, options.allSatisfy({ $0 != nil }) else { return nil }
            self = .oneOf(options.compactMap { $0 })
        } else if trimmed.hasSuffix("[]") {
            guard let element = APIType(parsing: String(trimmed.dropLast(2))) else { return nil }
            self = .list(element)
        } else {
            switch trimmed {
            case "integer": self = .integer
            case "number": self = .number
            case "string": self = .string
            case "boolean": self = .boolean
            case "table": self = .table
            case "function": self = .function
            case "any": self = .any
            default:
                guard let first = trimmed.first, first.isUppercase, trimmed.allSatisfy({ $0.isLetter || $0.isNumber }) else { return nil }
                self = .named(trimmed)
            }
        }
    }
}
