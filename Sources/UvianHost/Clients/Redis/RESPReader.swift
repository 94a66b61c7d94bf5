/// Reads Redis replies from the bytes a connection received: RESP2, and every type RESP3 adds
/// (null, double, boolean, blob error, verbatim string, big number, map, set, attribute, push).
///
/// The worker reads replies itself rather than through hiredis: Debian's hiredis (0.14) predates
/// RESP3 and fails the connection on the first RESP3 type, and a reply type it does not know must
/// be decoded as what it is, never turned into null.
package struct RESPReader {
    /// Bytes received and not yet consumed by a complete reply.
    private(set) var buffer: [UInt8] = []

    package init() {}
    private var offset = 0

    /// Deepest nesting accepted (a reply nested deeper is a protocol error, not a stack overflow).
    static let maxDepth = 512
    /// Largest bulk string or aggregate length accepted (Redis' own proto-max-bulk-len is 512 MB).
    static let maxLength = 512 << 20

    package struct ProtocolError: Error, CustomStringConvertible {
        package let description: String
    }

    package mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if offset > 0 && offset == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            offset = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete reply, or nil when more bytes are needed (nothing is consumed then).
    package mutating func next() throws(ProtocolError) -> RedisReply? {
        var cursor = offset
        guard let reply = try parse(at: &cursor, depth: 0) else { return nil }
        offset = cursor
        if offset > 1 << 16 && offset * 2 > buffer.count {
            buffer.removeFirst(offset)
            offset = 0
        }
        return reply
    }

    // MARK: - Parsing

    /// One reply starting at `cursor`; nil (cursor unspecified) when the bytes end first.
    private func parse(at cursor: inout Int, depth: Int) throws(ProtocolError) -> RedisReply? {
        guard depth <= Self.maxDepth else { throw ProtocolError(description: "reply nested deeper than \(Self.maxDepth) levels") }
        guard cursor < buffer.count else { return nil }
        let kind = buffer[cursor]
        cursor += 1
        guard let line = line(at: &cursor) else { return nil }
        switch kind {
        case UInt8(ascii: "+"): return .status(text(line))
        case UInt8(ascii: "-"): return .error(text(line))
        case UInt8(ascii: ":"): return .integer(try integer(line))
        case UInt8(ascii: "_"): return .null
        case UInt8(ascii: ","): return .double(try double(line))
        case UInt8(ascii: "("): return .bigNumber(text(line))
        case UInt8(ascii: "#"):
            switch text(line) {
            case "t": return .boolean(true)
            case "f": return .boolean(false)
            default: throw ProtocolError(description: "boolean reply '\(text(line))'")
            }
        case UInt8(ascii: "$"), UInt8(ascii: "!"), UInt8(ascii: "="):
            let length = try integer(line)
            if length == -1 && kind == UInt8(ascii: "$") { return .null }
            guard let body = try blob(length, at: &cursor) else { return nil }
            if kind == UInt8(ascii: "!") { return .error(text(body)) }
            if kind == UInt8(ascii: "=") {
                // "txt:" or "mkd:" and the text.
                let format = body.count >= 4 && buffer[body.lowerBound + 3] == UInt8(ascii: ":") ? text(body.lowerBound..<body.lowerBound + 3) : ""
                return .verbatim(format: format, text: text(format.isEmpty ? body : body.lowerBound + 4..<body.upperBound))
            }
            return .string(text(body))
        case UInt8(ascii: "*"), UInt8(ascii: "~"), UInt8(ascii: ">"):
            let count = try integer(line)
            if count == -1 && kind == UInt8(ascii: "*") { return .null }
            guard let items = try elements(try length(count), at: &cursor, depth: depth) else { return nil }
            switch kind {
            case UInt8(ascii: "~"): return .set(items)
            case UInt8(ascii: ">"): return .push(items)
            default: return .array(items)
            }
        case UInt8(ascii: "%"), UInt8(ascii: "|"):
            let pairs = try length(try integer(line))
            guard let items = try elements(pairs * 2, at: &cursor, depth: depth) else { return nil }
            if kind == UInt8(ascii: "|") {
                // Attributes are out-of-band metadata about the reply that follows; the reply is
                // what the command answered.
                return try parse(at: &cursor, depth: depth + 1)
            }
            return .map(stride(from: 0, to: items.count, by: 2).map { RedisReply.Pair(key: items[$0], value: items[$0 + 1]) })
        default:
            throw ProtocolError(description: "unknown reply type byte 0x\(String(kind, radix: 16))")
        }
    }

    private func elements(_ count: Int, at cursor: inout Int, depth: Int) throws(ProtocolError) -> [RedisReply]? {
        var items: [RedisReply] = []
        items.reserveCapacity(min(count, 1024))
        for _ in 0..<count {
            guard let item = try parse(at: &cursor, depth: depth + 1) else { return nil }
            items.append(item)
        }
        return items
    }

    /// The bytes of the line starting at `cursor`, before its CRLF; the cursor moves past the CRLF.
    private func line(at cursor: inout Int) -> Range<Int>? {
        var end = cursor
        while end + 1 < buffer.count {
            if buffer[end] == 13 && buffer[end + 1] == 10 {
                defer { cursor = end + 2 }
                return cursor..<end
            }
            end += 1
        }
        return nil
    }

    /// `length` bytes and their CRLF.
    private func blob(_ length: Int64, at cursor: inout Int) throws(ProtocolError) -> Range<Int>? {
        let count = try self.length(length)
        guard buffer.count - cursor >= count + 2 else { return nil }
        guard buffer[cursor + count] == 13, buffer[cursor + count + 1] == 10 else {
            throw ProtocolError(description: "bulk string of \(count) bytes not followed by CRLF")
        }
        defer { cursor += count + 2 }
        return cursor..<cursor + count
    }

    private func length(_ value: Int64) throws(ProtocolError) -> Int {
        guard value >= 0, value <= Self.maxLength else { throw ProtocolError(description: "reply length \(value)") }
        return Int(value)
    }

    private func text(_ range: Range<Int>) -> String {
        buffer.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[range]), as: UTF8.self) }
    }

    private func integer(_ range: Range<Int>) throws(ProtocolError) -> Int64 {
        guard let value = Int64(text(range)) else { throw ProtocolError(description: "integer reply '\(text(range))'") }
        return value
    }

    private func double(_ range: Range<Int>) throws(ProtocolError) -> Double {
        let spelling = text(range)
        switch spelling {
        case "inf", "+inf": return .infinity
        case "-inf": return -.infinity
        case "nan", "-nan": return .nan
        default:
            guard let value = Double(spelling) else { throw ProtocolError(description: "double reply '\(spelling)'") }
            return value
        }
    }
}
