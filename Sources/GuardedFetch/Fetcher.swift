/// Fetches http(s) URLs for plugins and webhooks without letting a URL reach the worker's own network:
/// the SSRF guard checks every socket dialled (redirects and DNS rebinding included), and time, size,
/// redirects, retries and per-host politeness are bounded by the policy.
public final class Fetcher: Sendable {
    public let policy: FetchPolicy
    /// `policy.allow` entries that could not be parsed (they allow nothing); for the caller to log.
    public let invalidAllowEntries: [String]
    let allowList: AllowList
    let gate: HostGate

    /// The statuses retried inside `fetch` (after Retry-After or a short backoff).
    static let retryStatuses: Set<Int> = [429, 502, 503, 504]
    static let redirectStatuses: Set<Int> = [301, 302, 303, 307, 308]
    /// Request headers that must not follow a redirect to another origin.
    static let credentialHeaders: Set<String> = ["host", "cookie", "authorization", "proxy-authorization"]
    /// Methods safe to resend after a connection broke mid-request (the server may have acted on it).
    static let idempotentMethods: Set<String> = ["GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"]

    public init(policy: FetchPolicy) {
        self.policy = policy
        allowList = AllowList(policy.allow)
        invalidAllowEntries = allowList.invalid
        gate = HostGate(limit: policy.perHostConcurrency, delay: policy.perHostDelay)
    }

    /// Blocking: runs on the caller's thread (a plugin worker thread, never Swift's cooperative pool).
    /// Returns any HTTP status (the caller decides what a 404 means); 429/502/503/504 are retried here
    /// first, and the last such response is returned when the retries run out.
    public func fetch(_ request: FetchRequest) throws(FetchError) -> FetchResponse {
        let deadline = Deadline(request.timeout ?? policy.totalTimeout)
        let maxRedirects = request.maxRedirects ?? policy.maxRedirects
        var current = try ParsedURL.parse(request.url)
        var method = request.method
        var body = request.body
        var headers = request.headers
        var redirects: [String] = []
        var retriesLeft = max(0, policy.retries)

        while true {
            let (outcome, attempts) = try exchange(request, url: current, method: method, headers: headers, body: body,
                                                   deadline: deadline, retriesLeft: &retriesLeft)
            guard Self.redirectStatuses.contains(outcome.status), let location = outcome.redirectURL else {
                return FetchResponse(url: request.url, finalURL: current.url, status: outcome.status, headers: outcome.headers,
                                     body: outcome.body, redirects: redirects, elapsed: deadline.elapsed, attempts: attempts)
            }
            if redirects.count >= maxRedirects {
                throw FetchError(.tooManyRedirects, "more than \(maxRedirects) redirects (last to \(ParsedURL.quoted(location)))")
            }
            let next: ParsedURL
            do {
                next = try ParsedURL.parse(location)
            } catch {
                throw FetchError(error.code, "redirect from \(current.url): \(error.message)")
            }
            redirects.append(next.url)
            if !next.sameOrigin(current) {
                headers.removeAll { Self.credentialHeaders.contains($0.name.lowercased()) }
            }
            // 303 always, and 301/302 after POST (what browsers and curl do), become a GET without body.
            let upper = method.uppercased()
            if (outcome.status == 303 && upper != "HEAD") || ((outcome.status == 301 || outcome.status == 302) && upper == "POST") {
                method = "GET"
                body = nil
                headers.removeAll { ["content-type", "content-length"].contains($0.name.lowercased()) }
            }
            current = next
        }
    }

    /// One URL, with its retries: returns the response (possibly a last 429/5xx) and the attempts made.
    private func exchange(_ request: FetchRequest, url: ParsedURL, method: String, headers: [(name: String, value: String)],
                          body: [UInt8]?, deadline: Deadline, retriesLeft: inout Int) throws(FetchError) -> (Transfer.Outcome, Int) {
        var attempts = 0
        while true {
            attempts += 1
            if request.shouldStop() { throw FetchError(.cancelled, "stopped by the caller") }
            try deadline.check()
            try gate.enter(url.host, deadline: deadline, shouldStop: request.shouldStop)
            let remaining = deadline.remaining
            let result = Transfer(url: url, method: method, headers: headers, body: body,
                                  userAgent: request.userAgent ?? policy.userAgent,
                                  maxBytes: request.maxBytes ?? policy.maxBytes, truncateAtMaxBytes: request.truncateAtMaxBytes,
                                  connectTimeout: policy.connectTimeout, timeout: remaining,
                                  allow: allowList, shouldStop: request.shouldStop).perform()
            gate.leave(url.host)

            let wait: Duration
            switch result {
            case let .failure(error, retryable):
                if error.code == .timeout && deadline.remaining <= .zero { throw deadline.expiredError() }
                guard retryable, retriesLeft > 0, Self.idempotentMethods.contains(method.uppercased()) else { throw error }
                wait = backoff(attempts)
                if wait >= deadline.remaining { throw error }
            case let .response(outcome):
                guard Self.retryStatuses.contains(outcome.status), retriesLeft > 0 else { return (outcome, attempts) }
                wait = RetryAfter.parse(outcome.header("retry-after")).map { min($0, policy.maxRetryAfter) } ?? backoff(attempts)
                // Never wait past the deadline: the caller gets the 429/5xx instead.
                if wait >= deadline.remaining { return (outcome, attempts) }
            }
            retriesLeft -= 1
            try Deadline.sleep(wait, shouldStop: request.shouldStop)
        }
    }

    /// 200 ms, 400 ms, 800 ms… for retries without a Retry-After.
    private func backoff(_ attempt: Int) -> Duration {
        .milliseconds(200 << min(max(attempt - 1, 0), 5))
    }
}
