import Foundation

/// Processes on this machine, as the run history and the outbox see them: whoever
/// recorded a process id as working on something.
public enum LocalProcess {
    /// True while process `pid` exists (it may belong to another user: EPERM).
    public static func isAlive(_ pid: Int32) -> Bool {
        pid > 0 && (kill(pid, 0) == 0 || errno == EPERM)
    }

    /// This machine's name, as a run's record keeps it in a database that several
    /// machines share: a process id means something only on its own machine.
    public static let hostName: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()
}
