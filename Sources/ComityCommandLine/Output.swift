import ArgumentParser
import Foundation
import Synchronization

/// Everything `comity` writes: standard output, standard error, and the files named on
/// its command line. One place, so that no write can fail unseen and none can trap.
///
/// As coreutils do: a failed write of standard output is an error. Once one has failed
/// (a full disk, a closed descriptor) nothing more is written there, and the command
/// ends with `comity: write error: No space left on device` on standard error (when it
/// can be written) and exit status 1, even if it had succeeded otherwise. A failed
/// write of standard error changes nothing: there is nowhere left to say so. Writes go
/// through `write(2)`, whose errors are returned, never through `FileHandle.write`,
/// which traps on them.
enum Output {
    private struct State {
        var buffer: [UInt8] = []
        /// The errno of the first failed write of standard output.
        var failure: Int32?
    }

    private static let state = Mutex(State())
    /// A terminal gets each line as it is written; a file or a pipe gets 64 KB at a time.
    private static let lineBuffered = isatty(STDOUT_FILENO) != 0
    private static let bufferLimit = 64 << 10

    /// Standard output, as `Swift.print` writes it.
    static func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
        out(items.map { "\($0)" }.joined(separator: separator) + terminator)
    }

    /// Text on standard output, buffered.
    static func out(_ text: String) {
        state.withLock { state in
            guard state.failure == nil else { return }
            state.buffer.append(contentsOf: text.utf8)
            if state.buffer.count >= bufferLimit || (lineBuffered && state.buffer.last == UInt8(ascii: "\n")) {
                flush(&state)
            }
        }
    }

    /// Text on standard error, at once (standard output's buffer first, so that the two
    /// stay in order on a terminal).
    static func error(_ text: String) {
        state.withLock { state in
            flush(&state)
            _ = writeAll(STDERR_FILENO, Array(text.utf8))
        }
    }

    /// Writes what standard output has buffered.
    static func flush() {
        state.withLock { flush(&$0) }
    }

    private static func flush(_ state: inout State) {
        guard !state.buffer.isEmpty else { return }
        if state.failure == nil, let failed = writeAll(STDOUT_FILENO, state.buffer) { state.failure = failed }
        state.buffer.removeAll(keepingCapacity: true)
    }

    /// Writes all of `bytes` to `descriptor`; the errno when a write fails.
    private static func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) -> Int32? {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress.map { $0 + offset }, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                return errno
            }
            offset += written
        }
        return nil
    }

    /// The status to exit with: `status`, or 1 (with the error said on standard error)
    /// when standard output could not be written. Flushes standard output first, and
    /// closes it, since a write error may only show when the file is closed (NFS).
    static func finish(_ status: Int32) -> Int32 {
        let failure: Int32? = state.withLock { state in
            flush(&state)
            if state.failure == nil, close(STDOUT_FILENO) != 0, errno != EBADF, errno != EINTR { state.failure = errno }
            return state.failure
        }
        guard let failure else { return status }
        error("comity: write error: \(String(cString: strerror(failure)))\n")
        return status == 0 || status == ExitCode.validationFailure.rawValue ? 1 : status
    }

    /// Standard input, output and error, when one was closed (`2>&-`), are opened on
    /// `/dev/null` the wrong way round, so that they stay unusable (a write fails with
    /// EBADF and is reported) and no file comity opens later takes their number, which
    /// would send errors into a database or an export.
    static func holdClosedDescriptors() {
        for descriptor in [STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO] where fcntl(descriptor, F_GETFD) == -1 && errno == EBADF {
            let opened = open("/dev/null", descriptor == STDIN_FILENO ? O_WRONLY : O_RDONLY)
            if opened >= 0, opened != descriptor {
                _ = dup2(opened, descriptor)
                _ = close(opened)
            }
        }
    }

    /// `text` on standard output, or in the file `path` (its folder made when missing).
    /// A file is written beside its place and renamed into it, so that a failed write
    /// (a full disk) leaves no partial file; a device or a pipe (`/dev/stdout`) is
    /// written directly. A failure is an error naming the file, exit status 1.
    static func write(_ text: String, to path: String?) throws {
        guard let path else { return out(text) }
        do {
            try writeFile(Data(text.utf8), to: path)
        } catch {
            throw CommandFailure.report("cannot write \(path): \(error)")
        }
    }

    /// `data` into the file at `path`, as ``write(_:to:)`` describes; the error says why.
    static func writeFile(_ data: Data, to path: String) throws(FileWriteError) {
        var info = stat()
        if stat(path, &info) == 0, info.st_mode & S_IFMT != S_IFREG {
            // Not a regular file: nothing to rename into place.
            let descriptor = open(path, O_WRONLY | O_CLOEXEC)
            guard descriptor >= 0 else { throw FileWriteError(errno) }
            let failed = writeAll(descriptor, Array(data))
            let closed = close(descriptor) == 0 ? nil : errno
            if let failed = failed ?? closed { throw FileWriteError(failed) }
            return
        }
        let url = URL(fileURLWithPath: path)
        // A missing folder is not made: a mistyped path (`/nonexistent/x.csv`) would
        // otherwise leave folders about, as neither cp nor a shell's `>` does.
        let parent = url.deletingLastPathComponent().path
        var folder = stat()
        guard stat(parent, &folder) == 0 else {
            throw FileWriteError(message: errno == ENOENT ? "no folder \(parent) (make it first)" : String(cString: strerror(errno)))
        }
        guard folder.st_mode & S_IFMT == S_IFDIR else { throw FileWriteError(message: "\(parent) is not a folder") }
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp").path
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw FileWriteError(errno) }
        let failed = writeAll(descriptor, Array(data)) ?? (fsync(descriptor) == 0 ? nil : errno)
        let closed = close(descriptor) == 0 ? nil : errno
        if let failed = failed ?? closed {
            unlink(temporary)
            throw FileWriteError(failed)
        }
        guard rename(temporary, path) == 0 else {
            let failed = errno
            unlink(temporary)
            throw FileWriteError(failed)
        }
    }
}

/// Why a file could not be written: the system's words for it.
struct FileWriteError: Error, CustomStringConvertible {
    let description: String
    init(_ code: Int32) { description = String(cString: strerror(code)) }
    init(message: String) { description = message }
}
