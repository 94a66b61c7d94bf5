import Testing
@testable import GuardedFetch

/// Time limits, byte caps (decoded bodies included) and the User-Agent.
struct LimitsTests {
    @Test func totalTimeout() throws {
        let server = try TestServer()
        defer { server.stop() }
        var request = FetchRequest(url: server.base + "/slow?ms=3000")
        request.timeout = .milliseconds(500)
        let start = ContinuousClock.now
        let error = fetchError(Fetcher(policy: server.policy), request)
        #expect(error?.code == .timeout)
        #expect(error?.description.hasPrefix("timeout: ") == true)
        #expect(start.duration(to: .now) < .seconds(2))
        // The policy's total timeout applies when the request has none.
        var policy = server.policy
        policy.totalTimeout = .milliseconds(400)
        #expect(fetchError(Fetcher(policy: policy), server.base + "/slow?ms=3000")?.code == .timeout)
    }

    @Test func byteCaps() throws {
        let server = try TestServer()
        defer { server.stop() }
        var policy = server.policy
        policy.maxBytes = 10_000
        let fetcher = Fetcher(policy: policy)
        #expect(try fetcher.fetch(FetchRequest(url: server.base + "/big?n=10000")).body.count == 10_000)
        // Declared Content-Length over the cap: refused before the body.
        let declared = fetchError(fetcher, server.base + "/big?n=10001")
        #expect(declared?.description == "too_large: more than 10000 bytes")
        // No Content-Length: refused while reading.
        #expect(fetchError(fetcher, server.base + "/stream?n=200000")?.code == .tooLarge)
        // The request's own cap wins.
        var request = FetchRequest(url: server.base + "/big?n=5000")
        request.maxBytes = 100
        #expect(fetchError(fetcher, request)?.description == "too_large: more than 100 bytes")
        // Truncation instead of failure, when asked.
        request.truncateAtMaxBytes = true
        #expect(try fetcher.fetch(request).body.count == 100)
    }

    @Test func gzipIsDecodedAndCapped() throws {
        let server = try TestServer()
        defer { server.stop() }
        var policy = server.policy
        policy.maxBytes = 1_000_000
        let fetcher = Fetcher(policy: policy)
        let small = try fetcher.fetch(FetchRequest(url: server.base + "/gzip?n=5000"))
        #expect(small.body == Array(repeating: UInt8(ascii: "z"), count: 5000))
        #expect(small.header("content-encoding") == "gzip")
        // ~20 KB on the wire, 20 MB decoded: the cap counts decoded bytes.
        let bomb = fetchError(fetcher, server.base + "/gzip?n=20000000")
        #expect(bomb?.description == "too_large: more than 1000000 bytes")
    }

    @Test func userAgent() throws {
        let server = try TestServer()
        defer { server.stop() }
        let fetcher = Fetcher(policy: server.policy)
        let plain = try fetcher.fetch(FetchRequest(url: server.base + "/echo"))
        #expect(echoHeaders(plain)["user-agent"] == FetchPolicy().userAgent)
        var custom = FetchRequest(url: server.base + "/echo")
        custom.userAgent = "Custom/2.0"
        #expect(echoHeaders(try fetcher.fetch(custom))["user-agent"] == "Custom/2.0")
        custom.headers = [("User-Agent", "FromHeader/3.0"), ("X-Test", "1")]
        let both = echoHeaders(try fetcher.fetch(custom))
        #expect(both["user-agent"] == "FromHeader/3.0")
        #expect(both["x-test"] == "1")
        #expect(both["accept-encoding"]?.contains("gzip") == true)
    }
}
