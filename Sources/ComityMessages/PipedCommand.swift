import Foundation

/// A command given some bytes on its standard input, judged by its exit status.
///
/// Unlike Foundation's `Process` with pipes, it does not wait for every inherited
/// descriptor to close: a program that exits 0 and leaves a background child holding
/// its standard error (as sendmail implementations that fork a delivery agent do) has
/// finished. The command runs in a process group of its own, so that stopping it after
/// its timeout stops its children too; a command that stops reading its input is seen
/// as a short write (EPIPE, with SIGPIPE ignored), never as a signal that kills us.
public struct PipedCommand: Sendable {
    /// How a run ended.
    public struct Outcome: Sendable, Equatable {
        /// The exit status, or nil when a signal ended it.
        public var status: Int32?
        /// The signal that ended it, when one did.
        public var signal: Int32?
        /// Bytes of the input written into its pipe before it ended.
        public var written: Int
        /// Whether the whole input was written before the command ended.
        public var wroteAll: Bool
        /// What it wrote on standard error (the first 64 KB), up to its exit.
        public var errorText: String
        /// True when the timeout ran out and the process group was stopped.
        public var timedOut: Bool
    }

    public let executable: String
    public let arguments: [String]
    public let timeout: Duration

    public init(_ executable: String, arguments: [String], timeout: Duration) {
        self.executable = executable
        self.arguments = arguments
        self.timeout = timeout
    }

    /// SIGPIPE ignored in this process, once: a write to a pipe whose reader is gone
    /// then fails with EPIPE, which the writer reports (children get it back to the
    /// default, see `run`).
    private static let ignoreBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN) }()

    /// Starts the command, writes `input` to it, and waits for it to exit (or for the
    /// timeout, after which its whole process group gets SIGTERM, then SIGKILL 2 s later).
    public func run(input: [UInt8]) throws -> Outcome {
        Self.ignoreBrokenPipes
        var inputPipe: [Int32] = [-1, -1], errorPipe: [Int32] = [-1, -1]
        guard pipe(&inputPipe) == 0 else { throw PipedCommandError("cannot make a pipe: \(Self.errorText())") }
        guard pipe(&errorPipe) == 0 else {
            close(inputPipe[0]); close(inputPipe[1])
            throw PipedCommandError("cannot make a pipe: \(Self.errorText())")
        }
        // Close-on-exec: only the copies made for the command's 0 and 2 reach it (pipe2
        // is not visible to Swift on glibc).
        for fd in inputPipe + errorPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        posix_spawn_file_actions_adddup2(&actions, inputPipe[0], 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, errorPipe[1], 2)
        // Nothing else of ours reaches the command: not the database, and not a
        // descriptor that our own parent waits on (a background child of sendmail
        // holding one would keep it waiting).
        Self.closeFrom?(&actions, 3)
        // Its own process group (a timeout stops all of it), no signal blocked, and
        // SIGPIPE back to the default that we ignore.
        var defaults = sigset_t(), empty = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        sigemptyset(&empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        close(inputPipe[0])
        close(errorPipe[1])
        guard spawned == 0 else {
            close(inputPipe[1]); close(errorPipe[0])
            throw PipedCommandError("cannot start \(executable): \(String(cString: strerror(spawned)))")
        }
        return wait(for: pid, input: input, writer: inputPipe[1], errors: errorPipe[0])
    }

    private func wait(for pid: pid_t, input: [UInt8], writer: Int32, errors: Int32) -> Outcome {
        var writer = writer
        _ = fcntl(writer, F_SETFL, fcntl(writer, F_GETFL) | O_NONBLOCK)
        _ = fcntl(errors, F_SETFL, fcntl(errors, F_GETFL) | O_NONBLOCK)
        defer {
            if writer >= 0 { close(writer) }
            close(errors)
        }
        var written = 0
        var errorBytes: [UInt8] = []
        var errorsOpen = true
        var exit: Int32?
        let start = ContinuousClock.now
        func closeWriter() {
            if writer >= 0 { close(writer); writer = -1 }
        }
        if input.isEmpty { closeWriter() }
        func readErrors() {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while errorsOpen {
                let count = buffer.withUnsafeMutableBytes { read(errors, $0.baseAddress, $0.count) }
                if count > 0 {
                    if errorBytes.count < 64 << 10 { errorBytes += buffer[0..<count] }
                } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                    errorsOpen = false
                } else if errno == EAGAIN {
                    return
                }
            }
        }
        while exit == nil {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                exit = status
                break
            }
            if ContinuousClock.now - start >= timeout {
                return stopGroup(pid, written: written, total: input.count, errorBytes: errorBytes)
            }
            var fds: [pollfd] = []
            if writer >= 0 { fds.append(pollfd(fd: writer, events: Int16(POLLOUT), revents: 0)) }
            if errorsOpen { fds.append(pollfd(fd: errors, events: Int16(POLLIN), revents: 0)) }
            // Short waits: the exit is seen by waitpid, not by a descriptor closing.
            _ = poll(&fds, nfds_t(fds.count), 50)
            if writer >= 0 {
                let count = input.withUnsafeBytes { bytes in
                    Glibc.write(writer, bytes.baseAddress.map { $0 + written }, bytes.count - written)
                }
                if count > 0 {
                    written += count
                    if written == input.count { closeWriter() }
                } else if count < 0, errno != EAGAIN, errno != EINTR {
                    closeWriter() // EPIPE: it stopped reading; judged below as a short write
                }
            }
            readErrors()
        }
        readErrors()
        let status = exit ?? 0
        let signalled = status & 0x7F != 0
        return Outcome(status: signalled ? nil : (status >> 8) & 0xFF, signal: signalled ? status & 0x7F : nil,
                       written: written, wroteAll: written == input.count, errorText: String(decoding: errorBytes, as: UTF8.self),
                       timedOut: false)
    }

    /// SIGTERM to the whole group, SIGKILL to it 2 s later if the command is still there.
    private func stopGroup(_ pid: pid_t, written: Int, total: Int, errorBytes: [UInt8]) -> Outcome {
        killpg(pid, SIGTERM)
        let start = ContinuousClock.now
        var status: Int32 = 0
        var reaped = false
        while ContinuousClock.now - start < .seconds(2) {
            if waitpid(pid, &status, WNOHANG) == pid { reaped = true; break }
            usleep(20_000)
        }
        // Its children too, whether or not it went on SIGTERM.
        killpg(pid, SIGKILL)
        if !reaped { _ = waitpid(pid, &status, 0) }
        return Outcome(status: nil, signal: nil, written: written, wroteAll: written == total,
                       errorText: String(decoding: errorBytes, as: UTF8.self), timedOut: true)
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), looked up at
    /// run time: Swift does not see the declarations `_GNU_SOURCE` guards.
    private static let closeFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32)? = {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32).self)
    }()

    private static func errorText() -> String { String(cString: strerror(errno)) }
}

/// A command that could not be started.
public struct PipedCommandError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
