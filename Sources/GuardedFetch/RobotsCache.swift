/// robots.txt per origin, fetched through the same guarded `Fetcher` (so the SSRF guard applies to it
/// too) and kept up to `maxAge` (RFC 9309 §2.4: at most 24 hours).
public final class RobotsCache: Sendable {
    /// RFC 9309 §2.5: crawlers parse at least the first 500 KiB; the rest is ignored.
    static let maxBytes = 500 * 1024

    private enum Verdict: Sendable {
        case rules(RobotsRules)
        case allowAll
        case disallowAll
    }

    private struct Entry: Sendable {
        var verdict: Verdict
        var expires: ContinuousClock.Instant
    }

    private let fetcher: Fetcher
    private let maxAge: Duration
    private let unreachableMaxAge: Duration
    private let lock = ConditionLock()
    nonisolated(unsafe) private var entries: [String: Entry] = [:]  // guarded by `lock`

    /// `unreachableMaxAge`: how long a 5xx or unreachable robots.txt (which disallows everything) is
    /// remembered, shorter than `maxAge` so a passing outage does not block a site for a day.
    public init(fetcher: Fetcher, maxAge: Duration = .seconds(86_400), unreachableMaxAge: Duration = .seconds(300)) {
        self.fetcher = fetcher
        self.maxAge = maxAge
        self.unreachableMaxAge = min(unreachableMaxAge, maxAge)
    }

    /// Whether robots.txt of `url`'s origin lets `userAgent` fetch it. 4xx (or more than 5 redirects)
    /// allows everything; 5xx or an unreachable server disallows everything (RFC 9309 §2.3.1).
    /// Throws invalid_url, blocked_address and cancelled (the page itself could not be fetched either).
    public func allows(url: String, userAgent: String) throws(FetchError) -> Bool {
        let parsed = try ParsedURL.parse(url)
        let verdict = try verdict(for: parsed, userAgent: userAgent)
        switch verdict {
        case .allowAll: return true
        case .disallowAll: return false
        case let .rules(rules): return rules.allows(path: parsed.pathAndQuery, userAgent: userAgent)
        }
    }

    private func verdict(for url: ParsedURL, userAgent: String) throws(FetchError) -> Verdict {
        let origin = url.origin
        if let entry = lock.withLock({ entries[origin] }), entry.expires > .now { return entry.verdict }
        // Fetched outside the lock: two threads may fetch the same robots.txt once, which is harmless.
        var request = FetchRequest(url: origin + "/robots.txt")
        request.userAgent = userAgent
        request.maxRedirects = 5
        request.maxBytes = Self.maxBytes
        request.truncateAtMaxBytes = true
        let verdict: Verdict
        var age = maxAge
        do {
            let response = try fetcher.fetch(request)
            switch response.status {
            case 200..<300: verdict = .rules(RobotsRules(parsing: response.text))
            case 500...: verdict = .disallowAll; age = unreachableMaxAge
            default: verdict = .allowAll  // 4xx, and 3xx without a Location
            }
        } catch {
            switch error.code {
            case .tooManyRedirects: verdict = .allowAll  // §2.3.1.2: may be treated as unavailable (4xx)
            case .timeout, .connectionFailed, .tooLarge: verdict = .disallowAll; age = unreachableMaxAge
            default: throw error
            }
        }
        lock.withLock { entries[origin] = Entry(verdict: verdict, expires: ContinuousClock.now.advanced(by: age)) }
        return verdict
    }
}
