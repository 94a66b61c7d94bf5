/// A reply from Redis, copied out of hiredis' memory.
public enum RedisReply: Sendable, Equatable {
    case string(String)
    case status(String)
    case integer(Int64)
    case null
    case array([RedisReply])
    case error(String)

    var string: String? {
        switch self {
        case .string(let s), .status(let s): s
        case .integer(let i): String(i)
        default: nil
        }
    }

    var integer: Int64? {
        switch self {
        case .integer(let i): i
        case .string(let s): Int64(s)
        default: nil
        }
    }

    var array: [RedisReply]? {
        if case .array(let items) = self { items } else { nil }
    }

    var isNull: Bool { self == .null }

    /// A flat `[field, value, …]` array (HGETALL) as a dictionary.
    var fields: [String: String] {
        guard let items = array else { return [:] }
        var result: [String: String] = [:]
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
