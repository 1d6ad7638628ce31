import Foundation
import HumanReadable
import LuaBridge

/// A run's log as its record keeps it: the lines of `ctx.log` up to `cap` bytes in all
/// (a line that crosses it is cut), then nothing more but a last line that says how
/// many lines and bytes were dropped. Without a cap, 200 lines of 1 MB grew the
/// database by 200 MB in one run.
struct RunLog {
    /// Bytes kept in all; nil keeps everything.
    let cap: Int?
    private(set) var kept: [String] = []
    private var bytes = 0
    private var droppedLines = 0
    private var droppedBytes = 0

    init(cap: Int?) {
        self.cap = cap
    }

    /// Keeps `line`, or the part of it that fits; returns what was kept (nil: nothing).
    @discardableResult
    mutating func append(_ line: String) -> String? {
        let size = line.utf8.count + 1
        guard let cap else {
            kept.append(line)
            return line
        }
        if droppedLines > 0 || bytes >= cap {
            droppedLines += 1
            droppedBytes += size
            return nil
        }
        if bytes + size <= cap {
            bytes += size
            kept.append(line)
            return line
        }
        let room = cap - bytes
        let cut = Self.prefix(line, bytes: room)
        let dropped = line.utf8.count - cut.utf8.count
        let shown = cut + " … [\(Self.size(dropped)) of this line dropped]"
        kept.append(shown)
        bytes = cap // every later line is dropped
        return shown
    }

    /// The lines to store: those kept, and the note of what was dropped.
    var lines: [String] {
        guard droppedLines > 0, let cap else { return kept }
        return kept + ["[log limit of \(ByteCount.format(cap)) reached (--max-log): \(droppedLines) more line\(droppedLines == 1 ? "" : "s"), \(Self.size(droppedBytes)), dropped]"]
    }

    /// Errors and tracebacks are kept to this many bytes (or the log's cap, if smaller).
    static let errorCap = 64 << 10

    /// `text` cut to `cap` bytes, with a note of how much was dropped.
    static func cut(_ text: String, to cap: Int?, what: String) -> String {
        guard let cap, text.utf8.count > cap else { return text }
        let kept = prefix(text, bytes: cap)
        return kept + " … [\(size(text.utf8.count - kept.utf8.count)) of this \(what) dropped; \(what)s are kept to \(ByteCount.format(cap))]"
    }

    /// The longest prefix of `text` of at most `bytes` bytes that ends on a whole character.
    static func prefix(_ text: String, bytes: Int) -> String {
        let utf8 = text.utf8
        var end = utf8.index(utf8.startIndex, offsetBy: max(0, min(bytes, utf8.count)))
        while end > utf8.startIndex, utf8[end...].first.map({ $0 & 0xC0 == 0x80 }) == true {
            end = utf8.index(before: end)
        }
        return String(decoding: utf8[..<end], as: UTF8.self)
    }

    /// `12.3 MB`, `512 bytes`.
    static func size(_ bytes: Int) -> String {
        if bytes >= 1 << 20 { return String(format: "%.1f MB", Double(bytes) / Double(1 << 20)) }
        if bytes >= 1 << 10 { return String(format: "%.1f KB", Double(bytes) / 1024) }
        return "\(bytes) byte\(bytes == 1 ? "" : "s")"
    }
}
