import Foundation

extension Store {
    /// Marks runs left `running` by a process of this machine that is gone (a crash,
    /// SIGKILL) as `interrupted`; returns their ids. The ends of runs that could not be
    /// written when they ended (`spool`) are written first, and those still waiting are
    /// not marked: their end is known. Looks with a read first, so a run going on
    /// elsewhere (which holds the write lock) is not waited for, and writes only when
    /// there is something to mark.
    public func markRunsOfEndedProcesses(spool: RunRecordSpool? = nil) throws -> [String] {
        let waiting = spool?.flush(into: self) ?? []
        let running = try read { try $0.runs(RunFilter(outcome: .running, limit: 10_000)) }
        guard running.contains(where: { !LocalProcess.isAlive($0.processID) && !waiting.contains($0.id) }) else { return [] }
        return try write(commit: true) {
            try $0.markInterruptedRuns(isAlive: LocalProcess.isAlive, excluding: waiting, at: Timestamp(Date()))
        }
    }
}
