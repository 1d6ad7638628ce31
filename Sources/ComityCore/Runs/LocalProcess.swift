import Foundation

/// Processes on this machine, as the run history and the outbox see them: whoever
/// recorded a process id as working on something.
public enum LocalProcess {
    /// True while process `pid` exists (it may belong to another user: EPERM).
    public static func isAlive(_ pid: Int32) -> Bool {
        pid > 0 && (kill(pid, 0) == 0 || errno == EPERM)
    }
}
