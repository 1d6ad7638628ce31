import ComityCore
import Foundation

/// Processes on this machine, as the run history and the outbox see them: whoever
/// recorded a process id as working on something.
public enum LocalProcess {
    /// True while process `pid` exists (it may belong to another user: EPERM).
    public static func isAlive(_ pid: Int32) -> Bool {
        pid > 0 && (kill(pid, 0) == 0 || errno == EPERM)
    }
}

extension Store {
    /// Marks runs left `running` by a process of this machine that is gone (a crash,
    /// SIGKILL) as `interrupted`; returns their ids. Looks with a read first, so a run
    /// going on elsewhere (which holds the write lock) is not waited for, and writes
    /// only when there is something to mark.
    public func markRunsOfEndedProcesses() throws -> [String] {
        let running = try read { try $0.runs(RunFilter(outcome: .running, limit: 10_000)) }
        guard running.contains(where: { !LocalProcess.isAlive($0.processID) }) else { return [] }
        return try write(commit: true) { try $0.markInterruptedRuns(isAlive: LocalProcess.isAlive, at: Timestamp(Date())) }
    }
}
