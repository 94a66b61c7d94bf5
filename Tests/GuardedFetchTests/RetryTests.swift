import Testing
@testable import GuardedFetch

/// Retries of 429/502/503/504 (Retry-After honoured and capped) and of broken connections.
struct RetryTests {
    @Test func retriesAfterRetryAfter() throws {
        let server = try TestServer()
        defer { server.stop() }
        let response = try Fetcher(policy: server.policy).fetch(FetchRequest(url: server.base + "/flaky?after=1"))
        #expect(response.status == 200)
        #expect(response.attempts == 2)
        #expect(response.elapsed >= .milliseconds(950))
        #expect(response.text == "ok after 2")
    }

    @Test func returnsLastResponseWhenRetriesRunOut() throws {
        let server = try TestServer()
        defer { server.stop() }
        let response = try Fetcher(policy: server.policy).fetch(FetchRequest(url: server.base + "/flaky?key=k&fail=10&after=0"))
        #expect(response.status == 503)
        #expect(response.attempts == 3)
        #expect(try server.json("/stats?key=k")["hits"] as? Int == 3)
    }

    @Test func capsRetryAfterAndUsesBackoff() throws {
        let server = try TestServer()
        defer { server.stop() }
        var policy = server.policy
        policy.maxRetryAfter = .milliseconds(200)
        let fetcher = Fetcher(policy: policy)
        // Retry-After: 100 s, capped to 200 ms.
        let capped = try fetcher.fetch(FetchRequest(url: server.base + "/flaky?key=a&status=429&after=100"))
        #expect(capped.status == 200 && capped.attempts == 2)
        #expect(capped.elapsed < .seconds(2))
        // No usable Retry-After: the short backoff (200 ms, then 400 ms).
        let backoff = try fetcher.fetch(FetchRequest(url: server.base + "/flaky?key=b&status=502&fail=2&after=x"))
        #expect(backoff.status == 200 && backoff.attempts == 3)
        #expect(backoff.elapsed >= .milliseconds(550))
        // A wait that does not fit in the time left is not made: the 503 comes back at once.
        var short = FetchRequest(url: server.base + "/flaky?key=c&after=5")
        short.timeout = .seconds(2)
        let tooLong = Fetcher(policy: server.policy)
        let response = try tooLong.fetch(short)
        #expect(response.status == 503 && response.attempts == 1)
        // retries = 0: no retry at all.
        var none = server.policy
        none.retries = 0
        #expect(try Fetcher(policy: none).fetch(FetchRequest(url: server.base + "/flaky?key=d&after=0")).status == 503)
    }

    @Test func retriesABrokenConnection() throws {
        let server = try TestServer()
        defer { server.stop() }
        let fetcher = Fetcher(policy: server.policy)
        let response = try fetcher.fetch(FetchRequest(url: server.base + "/reset?key=r1"))
        #expect(response.status == 200 && response.attempts == 2)
        // POST is not resent after the connection broke (the server may have acted on it).
        let error = fetchError(fetcher, FetchRequest(url: server.base + "/reset?key=r2", method: "POST", body: [1]))
        #expect(error?.code == .connectionFailed, "\(String(describing: error))")
    }
}
