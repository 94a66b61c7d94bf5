/// What a `Fetcher` allows and how patient it is. One policy per `Fetcher`; a request can override
/// the time limit, the byte cap and the User-Agent.
public struct FetchPolicy: Sendable {
    /// Destinations that the SSRF guard would otherwise refuse: CIDR ranges ("127.0.0.0/8", "::1/128")
    /// or "host:port" ("127.0.0.1:8080", "[::1]:9000", "localhost:8080"). A bare IP counts as a
    /// /32 or /128 range, a bare host name as that host on any port.
    public var allow: [String] = []
    public var maxRedirects = 5
    public var connectTimeout: Duration = .seconds(10)
    /// The whole fetch: every redirect hop, retry and wait included.
    public var totalTimeout: Duration = .seconds(30)
    /// On the decoded body (after gzip/deflate/br), enforced while reading.
    public var maxBytes = 10 * 1024 * 1024
    public var userAgent = "UvianWorker/1.0 (+https://github.com/uvian/uvian-worker)"
    /// Extra attempts for 429/502/503/504 and for connections that broke after connecting.
    public var retries = 2
    public var maxRetryAfter: Duration = .seconds(10)
    /// Politeness: concurrent requests to one host, over all threads using the same `Fetcher`.
    public var perHostConcurrency = 4
    /// Minimum gap between the starts of two requests to one host.
    public var perHostDelay: Duration = .zero

    public init() {}

    /// The allowlist as the FETCH_ALLOW environment variable gives it: "a, b,c" (blanks ignored).
    public init(allowList: String) {
        allow = allowList.split(separator: ",")
            .map { String($0).trimmingASCIIWhitespace() }
            .filter { !$0.isEmpty }
    }
}

extension String {
    /// Trims spaces, tabs, CR and LF (no Foundation needed). "\r\n" is one Character, hence its own case.
    func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
