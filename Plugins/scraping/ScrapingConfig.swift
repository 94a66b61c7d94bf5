import GuardedFetch
import PluginKit

/// The scraping plugin's `config` from plugins.yaml. The repository's file fills `allow` from
/// `FETCH_ALLOW`, so an operator (or a test) lets a loopback port through without editing files.
struct ScrapingConfig: Sendable {
    var policy: FetchPolicy
    /// The largest `max_bytes` a task may ask for.
    var maxBytesCeiling: Int
    /// The largest `timeout_s` a task may ask for.
    var timeoutCeilingSeconds: Double

    init(_ config: PluginConfig) throws {
        guard let object = (try? config.value())?.objectValue else {
            throw TaskError.permanent("scraping: config must be a JSON object")
        }
        let known: Set<String> = ["allow", "max_bytes", "max_bytes_ceiling", "timeout_s", "timeout_ceiling_s", "connect_timeout_s",
                                  "max_redirects", "retries", "max_retry_after_s", "per_host_concurrency", "per_host_delay_ms", "user_agent"]
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw TaskError.permanent("scraping: unknown config key '\(unknown)'")
        }
        func number(_ key: String, _ fallback: Double, _ range: ClosedRange<Double>) throws -> Double {
            guard let value = object[key], value != .null else { return fallback }
            // ${VAR:-3} substitutes text: a number written as a string is taken too.
            guard let number = value.doubleValue ?? value.stringValue.flatMap(Double.init), range.contains(number) else {
                throw TaskError.permanent("scraping: \(key) must be a number from \(range.lowerBound) to \(range.upperBound)")
            }
            return number
        }
        var policy = FetchPolicy()
        switch object["allow"] {
        case .string(let list)?: policy = FetchPolicy(allowList: list)
        case .array(let entries)?: policy = FetchPolicy(allowList: entries.compactMap(\.stringValue).joined(separator: ","))
        case nil, .null?: break
        default: throw TaskError.permanent("scraping: allow must be a comma-separated string or a list of CIDRs and host:port entries")
        }
        policy.maxBytes = Int(try number("max_bytes", 10 * 1024 * 1024, 1...1_073_741_824))
        policy.totalTimeout = .milliseconds(Int64(try number("timeout_s", 30, 0.1...600) * 1000))
        policy.connectTimeout = .milliseconds(Int64(try number("connect_timeout_s", 10, 0.1...120) * 1000))
        policy.maxRedirects = Int(try number("max_redirects", 5, 0...20))
        policy.retries = Int(try number("retries", 2, 0...10))
        policy.maxRetryAfter = .milliseconds(Int64(try number("max_retry_after_s", 10, 0...600) * 1000))
        policy.perHostConcurrency = Int(try number("per_host_concurrency", 4, 1...1000))
        policy.perHostDelay = .milliseconds(Int64(try number("per_host_delay_ms", 0, 0...600_000)))
        if let agent = object["user_agent"]?.stringValue, !agent.isEmpty { policy.userAgent = agent }
        self.policy = policy
        maxBytesCeiling = Int(try number("max_bytes_ceiling", 50 * 1024 * 1024, 1...1_073_741_824))
        timeoutCeilingSeconds = try number("timeout_ceiling_s", 120, 0.1...3600)
    }
}
