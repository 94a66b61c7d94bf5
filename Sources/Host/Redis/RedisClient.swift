import Foundation
import Logging
import Synchronization

/// A Redis connection used from async code: commands run one at a time on a dedicated thread
/// (hiredis blocks), and a lost connection is re-made on the next command, with backoff.
///
/// Two of these serve a worker: one for scripts and commands, one only for the blocking
/// `BZPOPMIN`, so a blocked socket never delays a lock renewal.
public final class RedisClient: Sendable {
    public let endpoint: RedisEndpoint
    let name: String
    let readTimeout: Double
    let logger: Logger
    private let executor: BlockingExecutor
    // Touched only on the executor's single thread.
    nonisolated(unsafe) private var connection: RedisConnection?
    nonisolated(unsafe) private var failures = 0
    nonisolated(unsafe) private var nextAttempt = Date.distantPast
    nonisolated(unsafe) private var scriptSHAs: [String: String] = [:]
    private let clientID = Mutex<Int64?>(nil)

    /// The server's id of the current connection (CLIENT ID), for CLIENT UNBLOCK.
    public var connectionID: Int64? { clientID.withLock { $0 } }

    public init(endpoint: RedisEndpoint, name: String, readTimeout: Double = 5, logger: Logger) {
        self.endpoint = endpoint
        self.name = name
        self.readTimeout = readTimeout
        self.logger = logger
        executor = BlockingExecutor(threads: 1, name: "redis-\(name)")
    }

    deinit {
        executor.shutdown()
    }

    /// Runs one command. Throws `RedisError` for a lost connection (re-made on the next call)
    /// and for an error reply.
    public func send(_ arguments: [String], readTimeout: Double? = nil) async throws -> RedisReply {
        try await executor.run { [self] in
            let reply = try withConnection { connection in
                if let readTimeout { connection.setReadTimeout(readTimeout) }
                defer { if readTimeout != nil { connection.setReadTimeout(self.readTimeout) } }
                return try connection.command(arguments)
            }
            if case .error(let message) = reply { throw RedisError.server(message) }
            return reply
        }
    }

    /// Runs a script by its SHA, loading it first when Redis does not know it (a new server, a
    /// restart, SCRIPT FLUSH).
    func evaluate(_ script: RedisScript, keys: [String], arguments: [String]) async throws -> RedisReply {
        try await executor.run { [self] in
            try withConnection { connection in
                func load() throws -> String {
                    let reply = try connection.command(["SCRIPT", "LOAD", script.source])
                    guard case .string(let sha) = reply else {
                        throw RedisError.server("cannot load script \(script.name): \(reply)")
                    }
                    scriptSHAs[script.name] = sha
                    return sha
                }
                let sha = try scriptSHAs[script.name] ?? load()
                var reply = try connection.command(["EVALSHA", sha, String(keys.count)] + keys + arguments)
                if case .error(let message) = reply, message.hasPrefix("NOSCRIPT") {
                    reply = try connection.command(["EVALSHA", try load(), String(keys.count)] + keys + arguments)
                }
                if case .error(let message) = reply { throw RedisError.server("\(script.name): \(message)") }
                return reply
            }
        }
    }

    /// Connects if needed, then runs `body`; on a connection error drops the connection so the
    /// next call reconnects (after a backoff that grows with consecutive failures).
    private func withConnection<T>(_ body: (RedisConnection) throws -> T) throws -> T {
        if connection == nil {
            guard Date() >= nextAttempt else {
                throw RedisError.connection("Redis at \(endpoint) is unreachable; retrying in \(String(format: "%.1f", nextAttempt.timeIntervalSinceNow)) s")
            }
            do {
                let fresh = try RedisConnection(endpoint: endpoint, readTimeout: readTimeout)
                connection = fresh
                let id = try? fresh.command(["CLIENT", "ID"]).integer
                clientID.withLock { $0 = id }
                if failures > 0 { logger.notice("redis.reconnected", metadata: ["redis.connection": "\(name)"]) }
                failures = 0
            } catch {
                failures += 1
                nextAttempt = Date().addingTimeInterval(min(0.1 * Double(1 << min(failures, 6)), 5))
                logger.warning("redis.connect.failed", metadata: ["redis.connection": "\(name)", "error": "\(error)"])
                throw error
            }
        }
        do {
            return try body(connection!)
        } catch let error as RedisError where error.kind == .connection {
            connection = nil
            failures += 1
            logger.warning("redis.connection.lost", metadata: ["redis.connection": "\(name)", "error": "\(error)"])
            throw error
        }
    }
}
