import Foundation
import Testing
import UvianHost

/// Replies are read by the worker's own RESP reader: RESP2 and every RESP3 type, from a real Redis
/// (HELLO 3 makes it answer in RESP3) and from bytes cut at every position.
@Suite struct RESPReaderTests {
    @Test func decodesEveryRESP3TypeARealRedisSends() async throws {
        try await RedisServer.with { server in
            let connection = try RedisConnection(endpoint: server.endpoint, readTimeout: 5, protocolVersion: 3)
            _ = try connection.command(["HSET", "h", "a", "1", "b", "two"])
            guard case .map(let pairs) = try connection.command(["HGETALL", "h"]) else { Issue.record("HGETALL is not a map"); return }
            #expect(Set(pairs.compactMap { $0.key.string }) == ["a", "b"])
            #expect(try connection.command(["HGETALL", "h"]).fields == ["a": "1", "b": "two"])
            _ = try connection.command(["SADD", "s", "x", "y"])
            guard case .set(let members) = try connection.command(["SMEMBERS", "s"]) else { Issue.record("SMEMBERS is not a set"); return }
            #expect(Set(members.compactMap(\.string)) == ["x", "y"])
            _ = try connection.command(["ZADD", "z", "1.5", "m"])
            #expect(try connection.command(["ZSCORE", "z", "m"]) == .double(1.5))
            #expect(try connection.command(["ZINCRBY", "z", "inf", "m"]) == .double(.infinity))
            #expect(try connection.command(["GET", "missing"]) == .null)
            #expect(try connection.command(["EVAL", "return redis.setresp(3) or true", "0"]) == .boolean(true))
            #expect(try connection.command(["EVAL", "redis.setresp(3); return {double=3.25}", "0"]) == .double(3.25))
            #expect(try connection.command(["EVAL", "redis.setresp(3); return {big_number='123456789012345678901234567890'}", "0"])
                    == .bigNumber("123456789012345678901234567890"))
            let info = try connection.command(["CLIENT", "INFO"])
            guard case .verbatim(let format, let text) = info else { Issue.record("CLIENT INFO is \(info)"); return }
            #expect(format == "txt" && text.contains("resp=3"))
            // Pushes arrive out of band and are not taken for a command's reply (in RESP3,
            // SUBSCRIBE answers with a push only).
            try connection.append(["SUBSCRIBE", "ch"])
            #expect(try connection.command(["PING"]) == .status("PONG"))
            let publisher = try RedisConnection(endpoint: server.endpoint, readTimeout: 5)
            #expect(try publisher.command(["PUBLISH", "ch", "hello"]) == .integer(1))
            #expect(try connection.command(["PING"]) == .status("PONG"))
            #expect(connection.pushes == [.push([.string("subscribe"), .string("ch"), .integer(1)]),
                                          .push([.string("message"), .string("ch"), .string("hello")])])
        }
    }

    @Test func readsRESP2AsBefore() async throws {
        try await RedisServer.with { server in
            let connection = try RedisConnection(endpoint: server.endpoint, readTimeout: 5)
            _ = try connection.command(["HSET", "h", "a", "1"])
            #expect(try connection.command(["HGETALL", "h"]) == .array([.string("a"), .string("1")]))
            #expect(try connection.command(["ZADD", "z", "1.5", "m"]) == .integer(1))
            #expect(try connection.command(["ZSCORE", "z", "m"]) == .string("1.5"))
            #expect(try connection.command(["GET", "missing"]) == .null)
            #expect(try connection.command(["BOGUS"]).isError)
            // A pipeline: replies in order.
            for n in 0..<100 { try connection.append(["SET", "k\(n)", String(repeating: "v", count: n * 1000)]) }
            for _ in 0..<100 { #expect(try connection.nextReply() == .status("OK")) }
            #expect(try connection.command(["STRLEN", "k99"]) == .integer(99_000))
        }
    }

    /// Every type, fed one byte at a time: nothing is returned until a reply is complete, and
    /// then exactly that reply.
    @Test func waitsForWholeReplies() throws {
        let wire = "+OK\r\n-ERR bad\r\n:42\r\n$5\r\nhe\r\no\r\n$-1\r\n*-1\r\n_\r\n,-1.5e3\r\n#f\r\n(99999999999999999999\r\n"
            + "!3\r\nBAD\r\n=8\r\nmkd:*hi*\r\n*2\r\n:1\r\n*1\r\n$0\r\n\r\n%1\r\n+k\r\n~1\r\n:2\r\n|1\r\n+ttl\r\n:3\r\n$2\r\nok\r\n>2\r\n+p\r\n:4\r\n"
        let expected: [RedisReply] = [
            .status("OK"), .error("ERR bad"), .integer(42), .string("he\r\no"), .null, .null, .null, .double(-1500), .boolean(false),
            .bigNumber("99999999999999999999"), .error("BAD"), .verbatim(format: "mkd", text: "*hi*"),
            .array([.integer(1), .array([.string("")])]), .map([RedisReply.Pair(key: .status("k"), value: .set([.integer(2)]))]),
            .string("ok"), .push([.status("p"), .integer(4)]),
        ]
        var reader = RESPReader()
        var replies: [RedisReply] = []
        for byte in Array(wire.utf8) {
            [byte].withUnsafeBytes { reader.append($0) }
            while let reply = try reader.next() { replies.append(reply) }
        }
        #expect(replies == expected)
    }

    @Test(arguments: ["?x\r\n", "#x\r\n", ":1.5\r\n", "$3\r\nabcd\r\n", "*-5\r\n", String(repeating: "*1\r\n", count: 600) + ":1\r\n"])
    func refusesWhatIsNotRESP(_ wire: String) {
        var reader = RESPReader()
        Array(wire.utf8).withUnsafeBytes { reader.append($0) }
        #expect(throws: RESPReader.ProtocolError.self) { _ = try reader.next() }
    }
}

extension RedisReply {
    var isError: Bool { if case .error = self { true } else { false } }
}
