import ArgumentParser
import ComityEngine
import ComityService
import Foundation

struct APICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract: "The Lua API, from its registry: a Markdown reference or LuaLS stubs for editors.",
        subcommands: [Docs.self, Stubs.self]
    )

    struct Docs: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the Markdown reference of the Lua API.")

        @Option(name: .shortAndLong, help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file"))
        var out: String?

        func run() throws { try Output.write(try WorkspaceAPI.registry().markdownReference(), to: out) }
    }

    struct Stubs: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a LuaLS annotation file (---@class, ---@param) for editor completion and checks.")

        @Option(name: .shortAndLong, help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file"))
        var out: String?

        func run() throws { try Output.write(try WorkspaceAPI.registry().luaLSStubs(), to: out) }
    }
}

/// The API of the workspace around the current folder, custom fields and plugins' functions included.
enum WorkspaceAPI {
    static func registry() throws -> APIRegistry {
        try CommandEngine.workspace().pluginsAndAPI().api
    }
}
