import Foundation

/// Settings of one worker process, from the environment (the names the original services used)
/// and overridden by command-line flags.
package struct WorkerConfig: Sendable {
    package var host = "127.0.0.1"
    package var port = 8001
    package var dataDir = "./data"
    package var pluginsConfig = "./plugins.yaml"
    package var maxConcurrentTasks = 10
    /// Upper bound and default of a job's timeout, seconds.
    package var maxTaskTimeout: Double = 300
    package var queueName = "tasks"
    package var workerId = "\(ProcessInfo.processInfo.hostName):\(getpid())"
    /// How long a fetched job stays leased without renewal; renewed every third of it.
    package var leaseSeconds: Double = 30
    /// How often the embedded queue is polled for jobs added by other processes.
    package var pollIntervalMs = 500
    /// How long graceful shutdown waits for running jobs before returning them to the queue.
    package var shutdownTimeout: Double = 30
    /// After a timeout or cancel, how long a plugin gets to stop before its job is failed anyway.
    package var cancelGraceSeconds: Double = 2
    /// Bearer token required by the API (all routes but /health) when set.
    package var apiKey: String?
    /// Redis for the queue (BullMQ's layout); nil = the embedded SQLite queue.
    package var redisURL: String?
    package var queuePrefix = "bull"
    /// Pub/sub channel every task event is published on when Redis is configured.
    package var eventsChannel = "uvw:events"
    /// Where the fleet's commands go (Redis pub/sub; the database for the embedded backend).
    package var controlChannel = "uvw:control"
    /// Whether `REDIS_URL` names a Redis Cluster node (nil: asked of the server, INFO cluster).
    package var redisCluster: Bool?
    /// When set, control commands carry an HMAC made with it, and workers ignore any that does not.
    package var controlSecret: String?
    /// How often a worker writes its heartbeat (`GET /workers`), milliseconds.
    package var heartbeatIntervalMs = 2000
    /// Where every finished task's record is POSTed (the original service's n8n hook).
    package var webhookURL: String?
    /// Signs webhook deliveries (`X-Uvian-Signature`); unsigned when nil.
    package var webhookSecret: String?
    /// Tries per delivery before it is given up (`GET /webhooks/failed`).
    package var webhookMaxAttempts = 8
    /// The first retry's wait; each next one doubles it (capped at an hour), milliseconds.
    package var webhookRetryBaseMs = 2000
    /// A delivery's time limit, seconds.
    package var webhookTimeout = 10.0
    /// The SSRF guard's exceptions for webhook URLs (the plugins' `FETCH_ALLOW`).
    package var fetchAllow = ""
    /// The dashboard shows but does not act (its retry, cancel, reload… are refused).
    package var dashboardReadOnly = false
    /// PostgreSQL for the store; nil = the embedded SQLite store.
    package var databaseURL: String?
    /// Schema of the PostgreSQL tables.
    package var dbSchema = "public"
    package var dbPoolSize = 4
    /// How often finished tasks past `taskRetention` are deleted, seconds (0 = never).
    package var cleanupInterval: Double = 3600
    /// How long finished tasks are kept, seconds (7 days).
    package var taskRetention: Double = 7 * 86_400
    /// How often files of plugins with `watch: true` are checked for changes.
    package var pluginWatchIntervalMs = 1000
    package var stalledIntervalMs = 30_000
    package var maxStalledCount = 1
    package var logLevel = "info"
    package var logFormat = "console"
    package var environment = "development"
    /// Seconds from a request's first byte to its complete head (slow headers are cut off).
    package var httpHeaderTimeout: Double = 10
    /// Seconds an HTTP connection with no request in progress is kept open.
    package var httpIdleTimeout: Double = 60
    /// HTTP connections served at once; more wait in the listen backlog.
    package var httpMaxConnections = 1024

    package init() {}

    package struct Invalid: Error, CustomStringConvertible, Sendable {
        package let description: String
    }

    /// Reads the environment; a malformed number is an error naming the variable.
    package init(environment env: [String: String]) throws(Invalid) {
        /// true/1/yes or false/0/no (nil: unset or empty).
        func flag(_ name: String) throws(Invalid) -> Bool? {
            guard let text = env[name]?.lowercased(), !text.isEmpty else { return nil }
            guard ["true", "1", "yes", "false", "0", "no"].contains(text) else {
                throw Invalid(description: "\(name) must be true or false, not '\(text)'")
            }
            return ["true", "1", "yes"].contains(text)
        }
        func number(_ name: String, _ range: ClosedRange<Double>) throws(Invalid) -> Double? {
            guard let text = env[name], !text.isEmpty else { return nil }
            guard let value = Double(text), range.contains(value) else {
                throw Invalid(description: "\(name)=\(text) is not a number in \(range.lowerBound)...\(range.upperBound)")
            }
            return value
        }
        if let v = env["HOST"], !v.isEmpty { host = v }
        if let v = try number("PORT", 0...65535) { port = Int(v) }
        if let v = env["DATA_DIR"], !v.isEmpty { dataDir = v }
        if let v = env["PLUGINS_CONFIG"], !v.isEmpty { pluginsConfig = v }
        if let v = try number("MAX_CONCURRENT_TASKS", 1...100_000) { maxConcurrentTasks = Int(v) }
        if let v = try number("MAX_TASK_TIMEOUT", 0.001...31_536_000) { maxTaskTimeout = v }
        if let v = env["QUEUE_NAME"], !v.isEmpty { queueName = v }
        if let v = env["WORKER_ID"], !v.isEmpty { workerId = v }
        if let v = try number("LEASE_SECONDS", 0.3...86_400) { leaseSeconds = v }
        if let v = try number("POLL_INTERVAL_MS", 1...60_000) { pollIntervalMs = Int(v) }
        if let v = try number("SHUTDOWN_TIMEOUT", 0...86_400) { shutdownTimeout = v }
        if let v = try number("CANCEL_GRACE_SECONDS", 0...3600) { cancelGraceSeconds = v }
        if let v = env["API_KEY"], !v.isEmpty { apiKey = v }
        if let v = env["REDIS_URL"], !v.isEmpty { redisURL = v }
        if let v = env["QUEUE_PREFIX"], !v.isEmpty { queuePrefix = v }
        if let v = env["DATABASE_URL"], !v.isEmpty { databaseURL = v }
        if let v = env["DB_SCHEMA"], !v.isEmpty { dbSchema = v }
        if let v = try number("DB_POOL_SIZE", 1...100) { dbPoolSize = Int(v) }
        if let v = try number("CLEANUP_INTERVAL", 0...31_536_000) { cleanupInterval = v }
        if let v = try number("TASK_RETENTION", 0...315_360_000) { taskRetention = v }
        if let v = env["EVENTS_CHANNEL"], !v.isEmpty { eventsChannel = v }
        if let v = env["CONTROL_CHANNEL"], !v.isEmpty { controlChannel = v }
        if let v = try flag("REDIS_CLUSTER") { redisCluster = v }
        if let v = env["CONTROL_SECRET"], !v.isEmpty { controlSecret = v }
        if let v = env["HEARTBEAT_INTERVAL_MS"], let n = Int(v), n >= 100 { heartbeatIntervalMs = n }
        if let v = env["N8N_WEBHOOK_URL"], !v.isEmpty {
            guard v.hasPrefix("http://") || v.hasPrefix("https://"), URL(string: v)?.host?.isEmpty == false else {
                throw Invalid(description: "N8N_WEBHOOK_URL must be an http:// or https:// URL, not '\(v)'")
            }
            webhookURL = v
        }
        if let v = env["WEBHOOK_SECRET"], !v.isEmpty { webhookSecret = v }
        if let v = try number("WEBHOOK_MAX_ATTEMPTS", 1...100) { webhookMaxAttempts = Int(v) }
        if let v = try number("WEBHOOK_RETRY_BASE_MS", 10...3_600_000) { webhookRetryBaseMs = Int(v) }
        if let v = try number("WEBHOOK_TIMEOUT_S", 1...300) { webhookTimeout = v }
        if let v = env["FETCH_ALLOW"] { fetchAllow = v }
        if let v = try flag("DASHBOARD_READ_ONLY") { dashboardReadOnly = v }
        if let v = try number("STALLED_INTERVAL_MS", 100...86_400_000) { stalledIntervalMs = Int(v) }
        if let v = try number("PLUGIN_WATCH_INTERVAL_MS", 50...3_600_000) { pluginWatchIntervalMs = Int(v) }
        if let v = try number("MAX_STALLED_COUNT", 0...1000) { maxStalledCount = Int(v) }
        if let v = env["LOG_LEVEL"], !v.isEmpty { logLevel = v.lowercased() }
        if let v = env["LOG_FORMAT"], !v.isEmpty { logFormat = v.lowercased() }
        if let v = env["ENVIRONMENT"], !v.isEmpty { environment = v }
        if let v = try number("HTTP_HEADER_TIMEOUT", 0.1...3600) { httpHeaderTimeout = v }
        if let v = try number("HTTP_IDLE_TIMEOUT", 0.1...86_400) { httpIdleTimeout = v }
        if let v = try number("HTTP_MAX_CONNECTIONS", 1...1_000_000) { httpMaxConnections = Int(v) }
        try validate()
    }

    package func validate() throws(Invalid) {
        if let databaseURL, !(databaseURL.hasPrefix("postgres://") || databaseURL.hasPrefix("postgresql://") || databaseURL.contains("=")) {
            throw Invalid(description: "DATABASE_URL must be a postgres:// or postgresql:// URL (or a libpq conninfo string)")
        }
        if let redisURL {
            do {
                _ = try RedisEndpoint(url: redisURL)
            } catch {
                throw Invalid(description: error.description)
            }
        }
        guard ["json", "console"].contains(logFormat) else { throw Invalid(description: "LOG_FORMAT must be json or console, not \(logFormat)") }
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(logLevel) else {
            throw Invalid(description: "LOG_LEVEL must be one of trace, debug, info, notice, warning, error, critical")
        }
    }

    /// The SQLite file of the embedded backends.
    package var databasePath: String { (dataDir as NSString).appendingPathComponent("uvian.sqlite3") }
}
