import Testing
@testable import GuardedFetch

/// FETCH_ALLOW parsing, allowlist matching, Retry-After parsing.
struct PolicyTests {
    @Test func parsesAllowListString() {
        let policy = FetchPolicy(allowList: " 127.0.0.0/8, ::1/128,,127.0.0.1:8080 ,[::1]:9000, localhost:8080 ")
        #expect(policy.allow == ["127.0.0.0/8", "::1/128", "127.0.0.1:8080", "[::1]:9000", "localhost:8080"])
        #expect(FetchPolicy(allowList: "").allow.isEmpty)
    }

    @Test func parsesEntries() {
        #expect(AllowList.parse("10.0.0.0/8") == .range(IPAddress("10.0.0.0")!, 8))
        #expect(AllowList.parse("::1/128") == .range(IPAddress("::1")!, 128))
        #expect(AllowList.parse("127.0.0.1:8080") == .address(IPAddress("127.0.0.1")!, port: 8080))
        #expect(AllowList.parse("[::1]:9000") == .address(IPAddress("::1")!, port: 9000))
        #expect(AllowList.parse("LocalHost:8080") == .host("localhost", port: 8080))
        #expect(AllowList.parse("10.1.2.3") == .range(IPAddress("10.1.2.3")!, 32))
        for bad in ["10.0.0.0/33", "nonsense/8", "host:0", "host:99999", "a:b:c", "[::1", "bad host:80"] {
            #expect(AllowList.parse(bad) == nil, "\(bad)")
        }
        let fetcher = Fetcher(policy: FetchPolicy(allowList: "10.0.0.0/33, 127.0.0.1:80"))
        #expect(fetcher.invalidAllowEntries == ["10.0.0.0/33"])
    }

    @Test func matchesAddressesPortsAndHosts() {
        let list = AllowList(["10.0.0.0/8", "127.0.0.1:8080", "[::1]:9000", "localhost:7000"])
        let loopback = IPAddress("127.0.0.1")!
        #expect(list.allows(IPAddress("10.9.8.7")!, port: 1, urlHost: "x"))
        #expect(list.allows(IPAddress("::ffff:10.9.8.7")!, port: 1, urlHost: "x"))  // mapped form of an allowed v4
        #expect(list.allows(loopback, port: 8080, urlHost: "127.1"))
        #expect(!list.allows(loopback, port: 8081, urlHost: "127.0.0.1"))
        #expect(!list.allows(IPAddress("127.0.0.2")!, port: 8080, urlHost: "127.0.0.2"))
        #expect(list.allows(IPAddress("::1")!, port: 9000, urlHost: "::1"))
        #expect(list.allows(loopback, port: 7000, urlHost: "LOCALHOST"))
        #expect(!list.allows(loopback, port: 7001, urlHost: "localhost"))
    }

    @Test func parsesRetryAfter() {
        #expect(RetryAfter.parse("3") == .seconds(3))
        #expect(RetryAfter.parse(nil) == nil)
        #expect(RetryAfter.parse("soon") == nil)
        #expect(RetryAfter.parseHTTPDate("Sun, 06 Nov 1994 08:49:37 GMT") == 784_111_777)
        #expect(RetryAfter.parse("Sun, 06 Nov 1994 08:49:37 GMT", now: 784_111_770) == .seconds(7))
        #expect(RetryAfter.parse("Sun, 06 Nov 1994 08:49:37 GMT", now: 784_111_800) == .zero)
    }

    @Test func errorDescriptionStartsWithCode() {
        #expect(FetchError(.blockedAddress, "169.254.169.254").description == "blocked_address: 169.254.169.254")
        #expect(FetchError(.tooManyRedirects, "x").description == "too_many_redirects: x")
    }
}
