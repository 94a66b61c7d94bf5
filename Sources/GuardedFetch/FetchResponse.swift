/// The final response of a fetch (after redirects and retries). Any status is returned: the caller
/// decides what a 404 means.
public struct FetchResponse: Sendable {
    /// The URL asked for, and the one that answered (after redirects).
    public var url: String
    public var finalURL: String
    public var status: Int
    /// Of the final response, names lowercased, in the order received.
    public var headers: [(name: String, value: String)]
    /// The Content-Type header as sent.
    public var contentType: String?
    /// Decoded (gzip/deflate/br undone).
    public var body: [UInt8]
    /// Each Location followed, made absolute.
    public var redirects: [String]
    public var elapsed: Duration
    /// Attempts made for the final URL: 1, or more when 429/5xx or a broken connection was retried.
    public var attempts: Int

    public init(url: String, finalURL: String, status: Int, headers: [(name: String, value: String)], body: [UInt8],
                redirects: [String] = [], elapsed: Duration = .zero, attempts: Int = 1) {
        self.url = url
        self.finalURL = finalURL
        self.status = status
        self.headers = headers
        self.contentType = headers.first { $0.name == "content-type" }?.value
        self.body = body
        self.redirects = redirects
        self.elapsed = elapsed
        self.attempts = attempts
    }

    /// The first header of that name (case-insensitive).
    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.name == lowered }?.value
    }

    /// The body as UTF-8 text (invalid bytes replaced).
    public var text: String { String(decoding: body, as: UTF8.self) }
}
