import Foundation

/// The workflows, reports and specs Comity ships, which `comity init` copies into a new
/// workspace's `Scripts/`. Looked for, as git looks for its templates: in
/// `$COMITY_SHARE/Scripts`, beside an installed binary (`PREFIX/share/comity/Scripts`
/// for `PREFIX/bin/comity`), or in the clone the binary was built in.
enum ShippedScripts {
    /// Folders of the shipped `Scripts/` that are not copied: the demo's own settings and inbox.
    static let left = ["demo"]

    static func folder() -> URL? {
        var candidates: [URL] = []
        if let share = ProcessInfo.processInfo.environment["COMITY_SHARE"], !share.isEmpty {
            candidates.append(URL(fileURLWithPath: share).appendingPathComponent("Scripts"))
        }
        let executable = executablePath().resolvingSymlinksInPath()
        let bin = executable.deletingLastPathComponent()
        candidates.append(bin.deletingLastPathComponent().appendingPathComponent("share/comity/Scripts"))
        // comity-network, in PREFIX/libexec/comity/.
        candidates.append(bin.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("share/comity/Scripts"))
        // A build in a clone: .build/<triple>/debug/comity, below the package.
        var folder = bin
        for _ in 0..<6 {
            folder = folder.deletingLastPathComponent()
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path) {
                candidates.append(folder.appendingPathComponent("Scripts"))
                break
            }
        }
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("intake.lua").path) }
    }

    /// The running binary: what the kernel says (argv[0] is a bare `comity` when it was
    /// found on the PATH), else argv[0].
    static func executablePath() -> URL {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return URL(fileURLWithPath: path) }
        if let path = Bundle.main.executablePath { return URL(fileURLWithPath: path) }
        return URL(fileURLWithPath: CommandLine.arguments[0])
    }

    /// Copies the shipped scripts into `scripts`, never over a file that is there;
    /// returns the paths made, relative to `scripts`.
    static func copy(from shipped: URL, into scripts: URL) throws -> [String] {
        var made: [String] = []
        let manager = FileManager.default
        guard let walker = manager.enumerator(at: shipped, includingPropertiesForKeys: [.isDirectoryKey]) else { return [] }
        let base = shipped.standardizedFileURL.path + "/"
        for case let url as URL in walker {
            let relative = String(url.standardizedFileURL.path.dropFirst(base.count))
            if left.contains(where: { relative == $0 || relative.hasPrefix($0 + "/") }) {
                walker.skipDescendants()
                continue
            }
            let target = scripts.appendingPathComponent(relative)
            if (try url.resourceValues(forKeys: [.isDirectoryKey])).isDirectory == true {
                try manager.createDirectory(at: target, withIntermediateDirectories: true)
            } else if !manager.fileExists(atPath: target.path) {
                try manager.copyItem(at: url, to: target)
                made.append(relative)
            }
        }
        return made.sorted()
    }
}
