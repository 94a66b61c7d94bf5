import Testing
@testable import GuardedFetch

/// The connect-time guard with real libcurl and loopback sockets.
struct SSRFGuardTests {
    @Test func allowlistedLoopbackWorks() throws {
        let server = try TestServer()
        defer { server.stop() }
        let response = try Fetcher(policy: server.policy).fetch(FetchRequest(url: server.base + "/hello"))
        #expect(response.status == 200)
        #expect(response.text == "hello")
        #expect(response.contentType == "text/plain; charset=utf-8")
        #expect(response.header("Content-Type") == "text/plain; charset=utf-8")
        #expect(response.attempts == 1 && response.redirects.isEmpty)
    }

    /// Without an allowlist, every spelling of loopback is refused when dialled, naming the address.
    @Test func refusesEverySpellingOfLoopback() throws {
        let server = try TestServer()
        defer { server.stop() }
        let fetcher = Fetcher(policy: FetchPolicy())
        let port = server.port
        let cases: [(String, [String])] = [
            ("http://127.0.0.1:\(port)/hello", ["127.0.0.1"]),
            ("http://127.1:\(port)/hello", ["127.0.0.1"]),
            ("http://2130706433:\(port)/hello", ["127.0.0.1"]),
            ("http://0x7f.0.0.1:\(port)/hello", ["127.0.0.1"]),
            ("http://[::ffff:127.0.0.1]:\(port)/hello", ["::ffff:127.0.0.1"]),
            ("http://[::1]:\(port)/hello", ["::1"]),
            ("http://localhost:\(port)/hello", ["::1", "127.0.0.1"]),
            ("http://169.254.169.254/latest/meta-data/", ["169.254.169.254"]),
            ("http://10.0.0.1/", ["10.0.0.1"]),
            ("http://[fe80::1]/", ["fe80::1"]),
        ]
        for (url, addresses) in cases {
            let error = fetchError(fetcher, url)
            #expect(error?.code == .blockedAddress, "\(url): \(String(describing: error))")
            #expect(addresses.contains(error?.message ?? ""), "\(url): \(String(describing: error))")
            #expect(error?.description.hasPrefix("blocked_address: ") == true)
        }
    }

    /// The allowlist entry is 127.0.0.1:<port>: a 302 to another loopback address is refused at dial time.
    @Test func refusesRedirectToOtherLoopback() throws {
        let server = try TestServer()
        defer { server.stop() }
        let fetcher = Fetcher(policy: server.policy)
        let error = fetchError(fetcher, server.base + "/redirect?to=http://127.0.0.2:\(server.port)/hello")
        #expect(error?.description == "blocked_address: 127.0.0.2")
        // A relative redirect on the allowed origin still works.
        let ok = try fetcher.fetch(FetchRequest(url: server.base + "/redirect?to=/hello"))
        #expect(ok.text == "hello")
        #expect(ok.redirects == [server.base + "/hello"])
        // The same address on another port is not covered by a host:port entry.
        let otherPort = server.port == 65535 ? 65534 : server.port + 1
        #expect(fetchError(fetcher, "http://127.0.0.1:\(otherPort)/").map(\.description) == "blocked_address: 127.0.0.1")
    }

    @Test func cidrAllowlistAndConnectionFailure() throws {
        let server = try TestServer()
        defer { server.stop() }
        let fetcher = Fetcher(policy: FetchPolicy(allowList: "127.0.0.0/8"))
        #expect(try fetcher.fetch(FetchRequest(url: "http://127.1:\(server.port)/hello")).status == 200)
        // Allowed, but nothing listens there: a connection failure, not a guard refusal.
        let error = fetchError(fetcher, "http://127.0.0.2:\(server.port)/hello")
        #expect(error?.code == .connectionFailed, "\(String(describing: error))")
    }

    @Test func onlyHTTPAndHTTPS() throws {
        let server = try TestServer()
        defer { server.stop() }
        let fetcher = Fetcher(policy: server.policy)
        for (url, scheme) in [("ftp://example.com/x", "ftp"), ("file:///etc/passwd", "file"), ("gopher://127.0.0.1:70/", "gopher"),
                              ("dict://127.0.0.1:11211/stat", "dict")] {
            let error = fetchError(fetcher, url)
            #expect(error?.code == .invalidURL)
            #expect(error?.message.contains("'\(scheme)'") == true, "\(String(describing: error))")
        }
        #expect(fetchError(fetcher, "not a url")?.code == .invalidURL)
        #expect(fetchError(fetcher, "http://")?.code == .invalidURL)
        // A redirect to file:// is refused too.
        let error = fetchError(fetcher, server.base + "/redirect?to=file:///etc/passwd")
        #expect(error?.code == .invalidURL)
        #expect(error?.description.hasPrefix("invalid_url: ") == true)
        #expect(error?.message.contains("'file'") == true, "\(String(describing: error))")
    }
}
