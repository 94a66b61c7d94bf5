/// One fetch: the URL and what to send. The politeness, allowlist and defaults come from the `Fetcher`'s policy.
public struct FetchRequest: Sendable {
    public var url: String
    public var method = "GET"
    /// Sent as given, except that Host, Cookie, Authorization and Proxy-Authorization are dropped
    /// after a cross-origin redirect (a different scheme, host or port), so a redirect cannot
    /// carry credentials to another site.
    public var headers: [(name: String, value: String)] = []
    public var body: [UInt8]? = nil
    /// Overrides `policy.totalTimeout`: the whole fetch, redirects and retries included.
    public var timeout: Duration? = nil
    /// Overrides `policy.maxBytes`.
    public var maxBytes: Int? = nil
    public var userAgent: String? = nil
    /// Overrides `policy.maxRedirects` (robots.txt follows exactly 5, whatever the policy says).
    public var maxRedirects: Int? = nil
    /// When true, a body over the byte cap is cut at the cap and returned instead of failing with
    /// too_large (robots.txt: RFC 9309 parses the first 500 KiB).
    public var truncateAtMaxBytes = false
    /// Checked while transferring and while waiting; true aborts the fetch with `.cancelled`.
    public var shouldStop: @Sendable () -> Bool = { false }

    public init(url: String, method: String = "GET", headers: [(name: String, value: String)] = [], body: [UInt8]? = nil) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
    }
}
