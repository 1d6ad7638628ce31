import Foundation

/// Bytes handed to a parser (CSV.swift) a piece at a time, stopping with a read error
/// as soon as `stop` says so: the parser is one long call the host cannot interrupt
/// otherwise.
final class CheckedInputStream: InputStream {
    private let bytes: Data
    private var offset: Int
    private var status: Stream.Status = .notOpen
    private let stop: () -> Bool

    init(_ bytes: Data, stop: @escaping () -> Bool) {
        self.bytes = bytes
        self.offset = bytes.startIndex
        self.stop = stop
        super.init(data: Data())
    }

    override func open() { status = .open }
    override func close() { status = .closed }
    override var streamStatus: Stream.Status { status }
    override var streamError: (any Error)? { nil }
    override var hasBytesAvailable: Bool { offset < bytes.endIndex }

    override func read(_ buffer: UnsafeMutablePointer<UInt8>, maxLength length: Int) -> Int {
        if stop() {
            status = .error
            return -1
        }
        let count = min(length, bytes.endIndex - offset)
        guard count > 0 else { return 0 }
        bytes.copyBytes(to: buffer, from: offset..<(offset + count))
        offset += count
        return count
    }
}
