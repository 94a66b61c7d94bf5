/// A reply from Redis: the RESP2 types, and those RESP3 adds (decoded by `RESPReader`).
public enum RedisReply: Sendable, Equatable {
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

    public struct Pair: Sendable, Equatable {
        public let key: RedisReply
        public let value: RedisReply
    }

    var string: String? {
        switch self {
        case .string(let s), .status(let s), .bigNumber(let s): s
        case .verbatim(_, let text): text
        case .integer(let i): String(i)
        case .double(let d): String(d)
        default: nil
        }
    }

    var integer: Int64? {
        switch self {
        case .integer(let i): i
        case .string(let s), .bigNumber(let s): Int64(s)
        case .boolean(let b): b ? 1 : 0
        default: nil
        }
    }

    /// The elements of an array, a set or a push.
    var array: [RedisReply]? {
        switch self {
        case .array(let items), .set(let items), .push(let items): items
        default: nil
        }
    }

    var isNull: Bool { self == .null }

    /// A map (RESP3) or a flat `[field, value, …]` array (HGETALL in RESP2) as a dictionary.
    var fields: [String: String] {
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
public struct RedisError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable { case connection, server, protocolError }
    public let kind: Kind
    public let message: String
    public var description: String { message }

    static func connection(_ message: String) -> RedisError { RedisError(kind: .connection, message: message) }
    static func server(_ message: String) -> RedisError { RedisError(kind: .server, message: message) }
}
