import GuardedFetch
import PluginFetch
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
        let reader = try ConfigReader(config, plugin: "scraping", known: [
            "allow", "max_bytes", "max_bytes_ceiling", "timeout_s", "timeout_ceiling_s", "connect_timeout_s", "max_redirects",
            "retries", "max_retry_after_s", "per_host_concurrency", "per_host_delay_ms", "user_agent",
        ])
        func number(_ key: String, _ fallback: Double, _ range: ClosedRange<Double>) throws -> Double {
            try reader.number(key, default: fallback, in: range)
        }
        func integer(_ key: String, _ fallback: Int, _ range: ClosedRange<Int>) throws -> Int {
            try reader.integer(key, default: fallback, in: range)
        }
        var policy = try reader.fetchPolicy()
        policy.maxBytes = try integer("max_bytes", 10 * 1024 * 1024, 1...1_073_741_824)
        policy.totalTimeout = .milliseconds(Int64(try number("timeout_s", 30, 0.1...600) * 1000))
        policy.connectTimeout = .milliseconds(Int64(try number("connect_timeout_s", 10, 0.1...120) * 1000))
        policy.maxRedirects = try integer("max_redirects", 5, 0...20)
        policy.retries = try integer("retries", 2, 0...10)
        policy.maxRetryAfter = .milliseconds(Int64(try number("max_retry_after_s", 10, 0...600) * 1000))
        policy.perHostConcurrency = try integer("per_host_concurrency", 4, 1...1000)
        policy.perHostDelay = .milliseconds(Int64(try integer("per_host_delay_ms", 0, 0...600_000)))
        if let agent = reader.string("user_agent") { policy.userAgent = agent }
        self.policy = policy
        maxBytesCeiling = try integer("max_bytes_ceiling", 50 * 1024 * 1024, 1...1_073_741_824)
        timeoutCeilingSeconds = try number("timeout_ceiling_s", 120, 0.1...3600)
    }
}
