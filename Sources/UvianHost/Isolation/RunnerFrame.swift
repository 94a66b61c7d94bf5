import Foundation

/// One message between the worker and a `plugin-runner` child.
///
/// On the wire: a little-endian `UInt32` length of what follows, a kind byte, then the fields in
/// order. Fields are fixed-width little-endian integers and doubles, or byte strings prefixed with
/// a `UInt32` length. Binary rather than JSON so a round trip costs microseconds and a plugin's
/// JSON crosses verbatim.
struct RunnerFrame {
    enum Kind: UInt8 {
        // worker → child
        case start = 1, execute = 2, cancel = 3, invokeReply = 4, shutdown = 5
        // child → worker
        case ready = 101, refused = 102, log = 103, progress = 104, emit = 105, invoke = 106, complete = 107
    }

    /// Frames larger than this are a protocol error (a runaway or hostile child).
    static let maximumLength = 256 << 20

    var kind: Kind
    var payload: [UInt8]

    init(_ kind: Kind, _ build: (inout Writer) -> Void = { _ in }) {
        self.kind = kind
        var writer = Writer()
        build(&writer)
        payload = writer.bytes
    }

    init(kind: Kind, payload: [UInt8]) {
        self.kind = kind
        self.payload = payload
    }

    var reader: Reader { Reader(bytes: payload) }

    /// The frame as written to the pipe.
    var encoded: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(payload.count + 5)
        let length = UInt32(payload.count + 1)
        withUnsafeBytes(of: length.littleEndian) { out.append(contentsOf: $0) }
        out.append(kind.rawValue)
        out.append(contentsOf: payload)
        return out
    }

    struct Writer {
        var bytes: [UInt8] = []

        mutating func u8(_ value: UInt8) { bytes.append(value) }
        mutating func u32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
        mutating func i32(_ value: Int32) { u32(UInt32(bitPattern: value)) }
        mutating func u64(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
        mutating func i64(_ value: Int64) { u64(UInt64(bitPattern: value)) }
        mutating func f64(_ value: Double) { u64(value.bitPattern) }
        mutating func data(_ value: [UInt8]) {
            u32(UInt32(value.count))
            bytes.append(contentsOf: value)
        }
        mutating func string(_ value: String) { data(Array(value.utf8)) }
        mutating func optionalString(_ value: String?) {
            u8(value == nil ? 0 : 1)
            if let value { string(value) }
        }
    }

    /// Reads fields in order; a short frame throws instead of reading past its end.
    struct Reader {
        let bytes: [UInt8]
        var offset = 0

        struct Truncated: Error {}

        private mutating func take(_ count: Int) throws(Truncated) -> ArraySlice<UInt8> {
            guard count >= 0, bytes.count - offset >= count else { throw Truncated() }
            defer { offset += count }
            return bytes[offset..<offset + count]
        }

        private mutating func integer<T: FixedWidthInteger>(_: T.Type) throws(Truncated) -> T {
            let slice = try take(MemoryLayout<T>.size)
            var value: T = 0
            withUnsafeMutableBytes(of: &value) { $0.copyBytes(from: slice) }
            return T(littleEndian: value)
        }

        mutating func u8() throws(Truncated) -> UInt8 { try integer(UInt8.self) }
        mutating func u32() throws(Truncated) -> UInt32 { try integer(UInt32.self) }
        mutating func i32() throws(Truncated) -> Int32 { try integer(Int32.self) }
        mutating func u64() throws(Truncated) -> UInt64 { try integer(UInt64.self) }
        mutating func i64() throws(Truncated) -> Int64 { try integer(Int64.self) }
        mutating func f64() throws(Truncated) -> Double { Double(bitPattern: try integer(UInt64.self)) }
        mutating func data() throws(Truncated) -> [UInt8] { Array(try take(Int(try u32()))) }
        mutating func string() throws(Truncated) -> String { String(decoding: try take(Int(try u32())), as: UTF8.self) }
        mutating func optionalString() throws(Truncated) -> String? { try u8() == 0 ? nil : try string() }
    }
}

/// Reads and writes frames on a pipe's file descriptors. Writes are serialised so frames from
/// several threads never interleave; reads happen on one thread.
final class RunnerChannel: @unchecked Sendable {
    // The descriptors are fixed for the channel's life; `writeLock` guards each whole frame write.
    let readFD: Int32
    let writeFD: Int32
    private let writeLock = NSLock()

    init(readFD: Int32, writeFD: Int32) {
        self.readFD = readFD
        self.writeFD = writeFD
    }

    /// Writes one frame; false when the other side is gone (EPIPE) or the write failed.
    @discardableResult
    func send(_ frame: RunnerFrame) -> Bool {
        let bytes = frame.encoded
        writeLock.lock()
        defer { writeLock.unlock() }
        return bytes.withUnsafeBytes { buffer in
            var sent = 0
            while sent < buffer.count {
                let n = write(writeFD, buffer.baseAddress! + sent, buffer.count - sent)
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                sent += n
            }
            return true
        }
    }

    enum ReadError: Error { case closed, malformed(String) }

    /// Blocks until a whole frame arrived; `.closed` at end of file.
    func receive() throws(ReadError) -> RunnerFrame {
        let header = try readExactly(4)
        let length = Int(UInt32(header[0]) | UInt32(header[1]) << 8 | UInt32(header[2]) << 16 | UInt32(header[3]) << 24)
        guard length >= 1, length <= RunnerFrame.maximumLength else { throw .malformed("frame length \(length)") }
        let body = try readExactly(length)
        guard let kind = RunnerFrame.Kind(rawValue: body[0]) else { throw .malformed("unknown frame kind \(body[0])") }
        return RunnerFrame(kind: kind, payload: Array(body[1...]))
    }

    private func readExactly(_ count: Int) throws(ReadError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = buffer.withUnsafeMutableBytes { read(readFD, $0.baseAddress! + got, count - got) }
            if n == 0 { throw .closed }
            if n < 0 {
                if errno == EINTR { continue }
                throw .closed
            }
            got += n
        }
        return buffer
    }

    func close() {
        Glibc.close(readFD)
        if writeFD != readFD { Glibc.close(writeFD) }
    }
}
