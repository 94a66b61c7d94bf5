/// A reply from Redis: the RESP2 types, and those RESP3 adds (decoded by `RESPReader`).
package enum RedisReply: Sendable, Equatable {
    case string(String)
    case status(String)
    case integer(Int64)
    case null
    case array([RedisReply])
    case error(String)
    // RESP3
    case double(Double)
    case boolean(Bool)
    /// An integer beyond 64 bits, as Redis spelt it.
    case bigNumber(String)
    /// A string with its format ("txt", "mkd").
    case verbatim(format: String, text: String)
    case map([Pair])
    case set([RedisReply])
    /// Out-of-band data (pub/sub messages, invalidations), not the answer to a command.
    case push([RedisReply])

    package struct Pair: Sendable, Equatable {
        package let key: RedisReply
        package let value: RedisReply

        package init(key: RedisReply, value: RedisReply) {
            self.key = key
            self.value = value
        }
    }

    package var string: String? {
        switch self {
        case .string(let s), .status(let s), .bigNumber(let s): s
        case .verbatim(_, let text): text
        case .integer(let i): String(i)
        case .double(let d): String(d)
        default: nil
        }
    }

    package var integer: Int64? {
        switch self {
        case .integer(let i): i
        case .string(let s), .bigNumber(let s): Int64(s)
        case .boolean(let b): b ? 1 : 0
        default: nil
        }
    }

    /// The elements of an array, a set or a push.
    package var array: [RedisReply]? {
        switch self {
        case .array(let items), .set(let items), .push(let items): items
        default: nil
        }
    }

    package var isNull: Bool { self == .null }

    /// A map (RESP3) or a flat `[field, value, …]` array (HGETALL in RESP2) as a dictionary.
    package var fields: [String: String] {
        var result: [String: String] = [:]
        if case .map(let pairs) = self {
            for pair in pairs {
                if let key = pair.key.string, let value = pair.value.string { result[key] = value }
            }
            return result
        }
        guard let items = array else { return [:] }
        var index = 0
        while index + 1 < items.count {
            if let key = items[index].string, let value = items[index + 1].string { result[key] = value }
            index += 2
        }
        return result
    }
}

/// A Redis failure: connection-level (the connection is then dropped and re-made) or a
/// server error reply.
package struct RedisError: Error, CustomStringConvertible, Sendable {
    package enum Kind: Sendable { case connection, server, protocolError }
    package let kind: Kind
    package let message: String
    package var description: String { message }

    static func connection(_ message: String) -> RedisError { RedisError(kind: .connection, message: message) }
    static func server(_ message: String) -> RedisError { RedisError(kind: .server, message: message) }
}
