import ComityCore
import Foundation
import LuaBridge

/// What a function of the Lua API gets besides its arguments: the run it serves.
public final class APIContext {
    /// The run's clock: `time.now()`. Fixed for the whole run (`--now` sets it).
    public let now: Timestamp
    /// The workspace's time zone, for reading and writing local times.
    public let timeZone: TimeZone
    /// The registry's Lua types in this run's state.
    let types: APIValueTypes

    init(now: Timestamp, timeZone: TimeZone, types: APIValueTypes) {
        self.now = now
        self.timeZone = timeZone
        self.types = types
    }
}

/// A Swift implementation of an API function; its arguments are already checked
/// against the declaration.
public typealias APIImplementation = (borrowing LuaCall, APIContext) throws -> LuaResults

/// One function of the Lua API, declared once: from this come its binding, its
/// argument checks and their messages, its Markdown reference and its LuaLS stub.
public struct APIFunction {
    /// The dotted name scripts call: `money`, `time.days`, `grants.award`.
    public let name: String
    public let summary: String
    public let parameters: [APIParameter]
    public let results: [APIResult]
    /// Who declared it: `core`, or a plugin's name.
    public let origin: String
    public let implementation: APIImplementation?

    /// - Parameter implementation: nil for a function the engine installs itself
    ///   (such as `workflow`), declared here for the reference and the stubs.
    public init(
        _ name: String, summary: String, parameters: [APIParameter] = [], results: [APIResult] = [],
        origin: String = "core", implementation: APIImplementation?
    ) {
        self.name = name
        self.summary = summary
        self.parameters = parameters
        self.results = results
        self.origin = origin
        self.implementation = implementation
    }

    /// The namespace (`time`) and the name within it (`days`); no namespace for globals.
    var path: (namespace: [String], leaf: String) {
        let parts = name.split(separator: ".").map(String.init)
        return (Array(parts.dropLast()), parts.last ?? name)
    }
}

/// A type of the Lua API: its fields and operators, for the reference and the stubs.
public struct APITypeDeclaration: Sendable {
    public let name: String
    public let summary: String
    public let fields: [APIField]
    /// LuaLS operator lines, e.g. `add(Money): Money`.
    public let operators: [String]

    public init(_ name: String, summary: String, fields: [APIField] = [], operators: [String] = []) {
        self.name = name
        self.summary = summary
        self.fields = fields
        self.operators = operators
    }
}
