/// Every refusal or failure of a fetch. `description` starts with the code and a colon
/// ("blocked_address: 169.254.169.254"), so it can go into a task's error as is.
public struct FetchError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case invalidURL = "invalid_url"
        case blockedAddress = "blocked_address"
        case tooLarge = "too_large"
        case timeout
        case tooManyRedirects = "too_many_redirects"
        case connectionFailed = "connection_failed"
        case cancelled
        case httpStatus = "http_status"
        case blockedBySite = "blocked_by_site"
        case robotsDisallowed = "robots_disallowed"
        case unsupportedContentType = "unsupported_content_type"
    }

    public var code: Code
    public var message: String
    /// For http_status and blocked_by_site.
    public var status: Int?

    public init(_ code: Code, _ message: String, status: Int? = nil) {
        self.code = code
        self.message = message
        self.status = status
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
