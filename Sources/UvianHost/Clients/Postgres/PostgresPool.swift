import Foundation
package import Logging
import Synchronization

/// A small pool of libpq connections used from async code. Each call runs on one of the pool's
/// own threads with a connection of its own; a connection that broke is dropped and a new one is
/// made on the next call, so the pool heals itself when the server comes back.
package final class PostgresPool: Sendable {
    let url: String
    let size: Int
    let schema: String
    let logger: Logger
    private let executor: BlockingExecutor
    private let idle = Mutex<[PostgresConnection]>([])

    /// - Parameters:
    ///   - schema: made the connection's `search_path`, so every table lives there.
    package init(url: String, size: Int = 4, schema: String = "public", logger: Logger) {
        self.url = url
        self.size = max(1, size)
        self.schema = schema
        self.logger = logger
        executor = BlockingExecutor(threads: self.size, name: "postgres")
    }

    deinit {
        executor.shutdown()
    }

    /// Runs `body` with a connection on a pool thread. A pooled connection found broken (the
    /// server restarted while it sat idle: libpq learns it only when it is used) is replaced and
    /// `body` run once more on a new one, so the first calls after a restart do not fail.
    @discardableResult
    package func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await executor.run { [self] in
            let (connection, pooled) = try take()
            do {
                return try run(body, on: connection)
            } catch let error as PostgresError where error.connectionLost && pooled {
                logger.notice("postgres.connection.replaced", metadata: ["error": "\(error)"])
                return try run(body, on: try take(fresh: true).connection)
            }
        }
    }

    /// Runs `body`; the connection goes back to the pool unless it broke.
    private func run<T>(_ body: (PostgresConnection) throws -> T, on connection: PostgresConnection) throws -> T {
        do {
            let value = try body(connection)
            give(connection)
            return value
        } catch let error as PostgresError {
            if !error.connectionLost && connection.isHealthy { give(connection) }
            throw error
        } catch {
            if connection.isHealthy { give(connection) }
            throw error
        }
    }

    /// Runs `body` inside a transaction.
    @discardableResult
    func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await withConnection { connection in try connection.transaction { try body(connection) } }
    }

    /// An idle connection (`pooled`), or a new one.
    private func take(fresh: Bool = false) throws -> (connection: PostgresConnection, pooled: Bool) {
        if !fresh, let connection = idle.withLock({ $0.popLast() }) { return (connection, true) }
        let connection = try PostgresConnection(url: url)
        try connection.query("SELECT set_config('search_path', $1, false)", [Self.quoteIdentifier(schema)])
        // NOTICEs ("schema already exists, skipping") would go to stderr, past the worker's log.
        try connection.query("SET client_min_messages = warning")
        return (connection, false)
    }

    private func give(_ connection: PostgresConnection) {
        idle.withLock { $0.append(connection) }
    }

    /// `"name"` with embedded quotes doubled: safe for an identifier such as the schema.
    static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
