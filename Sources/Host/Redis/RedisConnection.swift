import CHiredis
import Foundation

/// One synchronous hiredis connection. Not thread-safe and blocking: `RedisClient` gives each
/// connection a thread of its own, so no hiredis call runs on Swift's cooperative pool.
final class RedisConnection {
    private var context: UnsafeMutablePointer<redisContext>?
    let endpoint: RedisEndpoint

    /// Connects, authenticates and selects the database. `readTimeout` bounds every reply wait,
    /// so a dead server is noticed instead of hanging a thread forever.
    init(endpoint: RedisEndpoint, connectTimeout: Double = 5, readTimeout: Double) throws(RedisError) {
        self.endpoint = endpoint
        guard let context = redisConnectWithTimeout(endpoint.host, Int32(endpoint.port), Self.timeval(connectTimeout)) else {
            throw .connection("cannot allocate a Redis connection")
        }
        self.context = context
        if context.pointee.err != 0 {
            let message = Self.errorString(context)
            redisFree(context)
            self.context = nil
            throw .connection("cannot connect to \(endpoint): \(message)")
        }
        redisSetTimeout(context, Self.timeval(readTimeout))
        redisEnableKeepAlive(context)
        if let password = endpoint.password {
            let auth = endpoint.user.map { ["AUTH", $0, password] } ?? ["AUTH", password]
            if case .error(let message) = try command(auth) {
                // Never echo the password; Redis' own message does not contain it.
                throw .connection("Redis refused the credentials: \(message)")
            }
        }
        if endpoint.database != 0, case .error(let message) = try command(["SELECT", String(endpoint.database)]) {
            throw .connection("cannot select database \(endpoint.database): \(message)")
        }
    }

    deinit {
        if let context { redisFree(context) }
    }

    /// Changes the reply timeout (the blocking connection waits longer than its block time).
    func setReadTimeout(_ seconds: Double) {
        if let context { redisSetTimeout(context, Self.timeval(seconds)) }
    }

    /// Sends one command (binary-safe argv) and returns its reply. An I/O error leaves the
    /// connection unusable: the caller drops it and connects again.
    func command(_ arguments: [String]) throws(RedisError) -> RedisReply {
        try append(arguments)
        return try nextReply()
    }

    /// Queues a command in the output buffer without waiting; `nextReply` flushes the buffer and
    /// reads the replies in order. Commands appended together go out as one pipeline.
    func append(_ arguments: [String]) throws(RedisError) {
        guard let context else { throw .connection("connection closed") }
        // Written in RESP here, straight from each string's UTF-8 (any bytes, empty strings and
        // NULs included), and handed over as one formatted command: no argv arrays, and none of
        // hiredis's per-argument formatting, for every command of every job.
        var command: [UInt8] = []
        command.reserveCapacity(16 + arguments.reduce(0) { $0 + $1.utf8.count + 16 })
        Self.appendHeader(UInt8(ascii: "*"), arguments.count, to: &command)
        for argument in arguments {
            Self.appendHeader(UInt8(ascii: "$"), argument.utf8.count, to: &command)
            command.append(contentsOf: argument.utf8)
            command.append(contentsOf: [13, 10])
        }
        let status = command.withUnsafeBytes { bytes in
            redisAppendFormattedCommand(context, bytes.baseAddress!.assumingMemoryBound(to: CChar.self), bytes.count)
        }
        guard status == REDIS_OK else { throw lost(context) }
    }

    /// `*<n>\r\n` or `$<n>\r\n` (the number is a small string: no allocation).
    private static func appendHeader(_ kind: UInt8, _ value: Int, to command: inout [UInt8]) {
        command.append(kind)
        command.append(contentsOf: String(value).utf8)
        command.append(contentsOf: [13, 10])
    }

    /// The reply to the oldest command appended and not yet answered.
    func nextReply() throws(RedisError) -> RedisReply {
        guard let context else { throw .connection("connection closed") }
        var reply: UnsafeMutableRawPointer?
        guard redisGetReply(context, &reply) == REDIS_OK, let reply else { throw lost(context) }
        defer { freeReplyObject(reply) }
        return Self.convert(reply.assumingMemoryBound(to: redisReply.self))
    }

    private func lost(_ context: UnsafeMutablePointer<redisContext>) -> RedisError {
        let message = Self.errorString(context)
        redisFree(context)
        self.context = nil
        return .connection("Redis connection lost: \(message.isEmpty ? "no reply" : message)")
    }

    private static func convert(_ reply: UnsafeMutablePointer<redisReply>) -> RedisReply {
        let r = reply.pointee
        switch r.type {
        case REDIS_REPLY_STRING: return .string(text(r))
        case REDIS_REPLY_STATUS: return .status(text(r))
        case REDIS_REPLY_ERROR: return .error(text(r))
        case REDIS_REPLY_INTEGER: return .integer(r.integer)
        case REDIS_REPLY_ARRAY:
            var items: [RedisReply] = []
            items.reserveCapacity(r.elements)
            for index in 0..<r.elements {
                if let element = r.element[index] { items.append(convert(element)) } else { items.append(.null) }
            }
            return .array(items)
        default: return .null
        }
    }

    private static func text(_ reply: redisReply) -> String {
        guard let str = reply.str else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: str, count: reply.len), as: UTF8.self)
    }

    private static func errorString(_ context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: context.pointee.errstr) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    private static func timeval(_ seconds: Double) -> Foundation.timeval {
        let whole = Int(seconds)
        return Foundation.timeval(tv_sec: whole, tv_usec: Int((seconds - Double(whole)) * 1_000_000))
    }
}
