import Foundation

/// Settings of one worker process, from the environment (the names the original services used)
/// and overridden by command-line flags.
public struct WorkerConfig: Sendable {
    public var host = "127.0.0.1"
    public var port = 8001
    public var dataDir = "./data"
    public var pluginsConfig = "./plugins.yaml"
    public var maxConcurrentTasks = 10
    /// Upper bound and default of a job's timeout, seconds.
    public var maxTaskTimeout: Double = 300
    public var queueName = "tasks"
    public var workerId = "\(ProcessInfo.processInfo.hostName):\(getpid())"
    /// How long a fetched job stays leased without renewal; renewed every third of it.
    public var leaseSeconds: Double = 30
    /// How often the embedded queue is polled for jobs added by other processes.
    public var pollIntervalMs = 500
    /// How long graceful shutdown waits for running jobs before returning them to the queue.
    public var shutdownTimeout: Double = 30
    /// After a timeout or cancel, how long a plugin gets to stop before its job is failed anyway.
    public var cancelGraceSeconds: Double = 2
    /// Bearer token required by the API (all routes but /health) when set.
    public var apiKey: String?
    /// Redis for the queue (BullMQ's layout); nil = the embedded SQLite queue.
    public var redisURL: String?
    public var queuePrefix = "bull"
    /// Pub/sub channel every task event is published on when Redis is configured.
    public var eventsChannel = "uvw:events"
    /// PostgreSQL for the store; nil = the embedded SQLite store.
    public var databaseURL: String?
    /// Schema of the PostgreSQL tables.
    public var dbSchema = "public"
    public var dbPoolSize = 4
    /// How often finished tasks past `taskRetention` are deleted, seconds (0 = never).
    public var cleanupInterval: Double = 3600
    /// How long finished tasks are kept, seconds (7 days).
    public var taskRetention: Double = 7 * 86_400
    /// How often files of plugins with `watch: true` are checked for changes.
    public var pluginWatchIntervalMs = 1000
    public var stalledIntervalMs = 30_000
    public var maxStalledCount = 1
    public var logLevel = "info"
    public var logFormat = "console"
    public var environment = "development"
    /// Seconds from a request's first byte to its complete head (slow headers are cut off).
    public var httpHeaderTimeout: Double = 10
    /// Seconds an HTTP connection with no request in progress is kept open.
    public var httpIdleTimeout: Double = 60
    /// HTTP connections served at once; more wait in the listen backlog.
    public var httpMaxConnections = 1024

    public init() {}

    public struct Invalid: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// Reads the environment; a malformed number is an error naming the variable.
    public init(environment env: [String: String]) throws(Invalid) {
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

    public func validate() throws(Invalid) {
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
    public var databasePath: String { (dataDir as NSString).appendingPathComponent("uvian.sqlite3") }
}
