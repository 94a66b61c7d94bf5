import CHiredis
import Foundation

/// One synchronous Redis connection. Not thread-safe and blocking: `RedisClient` gives each
/// connection a thread of its own, so no Redis I/O runs on Swift's cooperative pool.
///
/// hiredis opens the socket (name resolution, the connect timeout, keep-alive, the reply timeout
/// as SO_RCVTIMEO); the worker writes each command in RESP itself and reads the replies with
/// `RESPReader`, which knows RESP3's types (Debian's hiredis does not).
package final class RedisConnection {
    private var context: UnsafeMutablePointer<redisContext>?
    let endpoint: RedisEndpoint
    /// Commands appended and not yet written.
    private var output: [UInt8] = []
    private var reader = RESPReader()
    /// Where `read` puts what arrived, reused for every read.
    private var chunk = [UInt8](repeating: 0, count: 1 << 16)
    /// Out-of-band pushes that arrived while a reply was awaited (RESP3 only), oldest first.
    package private(set) var pushes: [RedisReply] = []

    /// Connects, authenticates and selects the database. `readTimeout` bounds every reply wait,
    /// so a dead server is noticed instead of hanging a thread forever. `protocolVersion` 3 asks
    /// for RESP3 with HELLO (the worker itself speaks RESP2, which every Redis 6.2 understands).
    package init(endpoint: RedisEndpoint, connectTimeout: Double = 5, readTimeout: Double, protocolVersion: Int = 2) throws(RedisError) {
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
        if protocolVersion == 3 {
            var hello = ["HELLO", "3"]
            if let password = endpoint.password { hello += ["AUTH", endpoint.user ?? "default", password] }
            if case .error(let message) = try command(hello) {
                throw .connection("Redis refused HELLO 3: \(message)")
            }
        } else if let password = endpoint.password {
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
    package func command(_ arguments: [String]) throws(RedisError) -> RedisReply {
        try append(arguments)
        return try nextReply()
    }

    /// Queues a command in the output buffer without waiting; `nextReply` flushes the buffer and
    /// reads the replies in order. Commands appended together go out as one pipeline.
    package func append(_ arguments: [String]) throws(RedisError) {
        guard context != nil else { throw .connection("connection closed") }
        // Written in RESP here, straight from each string's UTF-8 (any bytes, empty strings and
        // NULs included): no argv arrays, no per-argument formatting.
        output.reserveCapacity(output.count + 16 + arguments.reduce(0) { $0 + $1.utf8.count + 16 })
        Self.appendHeader(UInt8(ascii: "*"), arguments.count, to: &output)
        for argument in arguments {
            Self.appendHeader(UInt8(ascii: "$"), argument.utf8.count, to: &output)
            output.append(contentsOf: argument.utf8)
            output.append(13)
            output.append(10)
        }
    }

    /// `*<n>\r\n` or `$<n>\r\n`, the digits written in place (no string, no array literal: a
    /// finish sends some thirty arguments, each with a header).
    private static func appendHeader(_ kind: UInt8, _ value: Int, to command: inout [UInt8]) {
        command.append(kind)
        var divisor = 1
        while divisor * 10 <= value { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            command.append(UInt8(ascii: "0") + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
        command.append(13)
        command.append(10)
    }

    /// The reply to the oldest command appended and not yet answered (pushes are set aside).
    package func nextReply() throws(RedisError) -> RedisReply {
        guard let context else { throw .connection("connection closed") }
        try flush(context)
        while true {
            if let reply = try parsed(context) {
                if case .push = reply {
                    pushes.append(reply)
                    continue
                }
                return reply
            }
            try receive(context)
        }
    }

    /// The next message of a subscribed connection (RESP2: `["message", channel, payload]`), or nil
    /// when none came within `seconds`; the connection stays usable either way.
    package func nextMessage(within seconds: Double) throws(RedisError) -> RedisReply? {
        guard let context else { throw .connection("connection closed") }
        try flush(context)
        while true {
            if let reply = try parsed(context) { return reply }
            var descriptor = pollfd(fd: context.pointee.fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, Int32(max(seconds, 0) * 1000))
            if ready == 0 { return nil }
            if ready < 0 {
                if errno == EINTR { continue }
                throw lost(context, String(cString: strerror(errno)))
            }
            try receive(context)
        }
    }

    /// The next whole reply read so far, if any; a reply Redis could not have sent loses the connection.
    private func parsed(_ context: UnsafeMutablePointer<redisContext>) throws(RedisError) -> RedisReply? {
        do {
            return try reader.next()
        } catch {
            throw lost(context, "protocol error: \(error)")
        }
    }

    /// Writes every appended command.
    private func flush(_ context: UnsafeMutablePointer<redisContext>) throws(RedisError) {
        var sent = 0
        let fd = context.pointee.fd
        while sent < output.count {
            let n = output.withUnsafeBytes { write(fd, $0.baseAddress! + sent, $0.count - sent) }
            if n < 0 {
                if errno == EINTR { continue }
                throw lost(context, errno == EAGAIN ? "timed out writing a command" : String(cString: strerror(errno)))
            }
            sent += n
        }
        output.removeAll(keepingCapacity: output.capacity <= 1 << 20)
    }

    /// Reads what arrived into the reader (blocks up to the reply timeout).
    private func receive(_ context: UnsafeMutablePointer<redisContext>) throws(RedisError) {
        let fd = context.pointee.fd
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n > 0 {
                chunk.withUnsafeBytes { reader.append(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                return
            }
            if n == 0 { throw lost(context, "the server closed the connection") }
            if errno == EINTR { continue }
            throw lost(context, errno == EAGAIN ? "timed out waiting for a reply" : String(cString: strerror(errno)))
        }
    }

    private func lost(_ context: UnsafeMutablePointer<redisContext>, _ message: String) -> RedisError {
        redisFree(context)
        self.context = nil
        return .connection("Redis connection lost: \(message)")
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
