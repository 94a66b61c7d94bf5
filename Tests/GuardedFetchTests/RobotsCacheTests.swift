import Testing
@testable import GuardedFetch

/// robots.txt fetched through the guarded fetcher and cached per origin.
struct RobotsCacheTests {
    func setRobots(_ server: TestServer, status: Int, _ text: String = "", query: String = "") throws {
        var request = FetchRequest(url: server.base + "/_robots?status=\(status)" + query, method: "PUT", body: Array(text.utf8))
        request.timeout = .seconds(5)
        _ = try Fetcher(policy: server.policy).fetch(request)
    }

    @Test func appliesRulesAndCaches() throws {
        let server = try TestServer()
        defer { server.stop() }
        try setRobots(server, status: 200, "User-agent: *\nDisallow: /private\n\nUser-agent: UvianWorker\nDisallow: /nobots\n")
        let cache = RobotsCache(fetcher: Fetcher(policy: server.policy))
        let agent = FetchPolicy().userAgent
        #expect(try cache.allows(url: server.base + "/public", userAgent: agent))
        #expect(try !cache.allows(url: server.base + "/nobots/x?y=1", userAgent: agent))
        #expect(try cache.allows(url: server.base + "/private", userAgent: agent))  // our group, not *
        #expect(try !cache.allows(url: server.base + "/private", userAgent: "OtherBot/1"))
        // Cached: robots.txt was fetched once for the origin.
        #expect(try server.json("/stats?key=/robots.txt")["hits"] as? Int == 1)
        // A zero maxAge refetches.
        let fresh = RobotsCache(fetcher: Fetcher(policy: server.policy), maxAge: .zero)
        _ = try fresh.allows(url: server.base + "/a", userAgent: agent)
        _ = try fresh.allows(url: server.base + "/b", userAgent: agent)
        #expect(try server.json("/stats?key=/robots.txt")["hits"] as? Int == 3)
    }

    @Test func statusesAndFailures() throws {
        let server = try TestServer()
        defer { server.stop() }
        let fetcher = Fetcher(policy: server.policy)
        try setRobots(server, status: 404)
        #expect(try RobotsCache(fetcher: fetcher).allows(url: server.base + "/x", userAgent: "bot"))  // 4xx: allow all
        try setRobots(server, status: 503)
        #expect(try !RobotsCache(fetcher: fetcher).allows(url: server.base + "/x", userAgent: "bot"))  // 5xx: disallow all
        try setRobots(server, status: 302, query: "&to=/robots.txt")
        #expect(try RobotsCache(fetcher: fetcher).allows(url: server.base + "/x", userAgent: "bot"))  // redirect loop: unavailable
        // Unreachable (allowed, but nothing listens): disallow all.
        let open = RobotsCache(fetcher: Fetcher(policy: FetchPolicy(allowList: "127.0.0.0/8")))
        #expect(try !open.allows(url: "http://127.0.0.3:\(server.port)/x", userAgent: "bot"))
    }

    @Test func guardAppliesToRobots() throws {
        let cache = RobotsCache(fetcher: Fetcher(policy: FetchPolicy()))
        #expect(throws: FetchError.self) { try cache.allows(url: "http://169.254.169.254/latest", userAgent: "bot") }
        do {
            _ = try cache.allows(url: "http://127.0.0.1:9/x", userAgent: "bot")
            Issue.record("expected blocked_address")
        } catch {
            #expect(error.description == "blocked_address: 127.0.0.1")
        }
        #expect(throws: FetchError.self) { try cache.allows(url: "ftp://example.com/", userAgent: "bot") }
    }
}
