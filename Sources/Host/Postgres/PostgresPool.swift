import Foundation
import Logging
import Synchronization

/// A small pool of libpq connections used from async code. Each call runs on one of the pool's
/// own threads with a connection of its own; a connection that broke is dropped and a new one is
/// made on the next call, so the pool heals itself when the server comes back.
public final class PostgresPool: Sendable {
    let url: String
    let size: Int
    let schema: String
    let logger: Logger
    private let executor: BlockingExecutor
    private let idle = Mutex<[PostgresConnection]>([])

    /// - Parameters:
    ///   - schema: made the connection's `search_path`, so every table lives there.
    public init(url: String, size: Int = 4, schema: String = "public", logger: Logger) {
        self.url = url
        self.size = max(1, size)
        self.schema = schema
        self.logger = logger
        executor = BlockingExecutor(threads: self.size, name: "postgres")
    }

    deinit {
        executor.shutdown()
    }

    /// Runs `body` with a connection on a pool thread.
    @discardableResult
    func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await executor.run { [self] in
            let connection = try take()
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
    }

    /// Runs `body` inside a transaction.
    @discardableResult
    func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await withConnection { connection in try connection.transaction { try body(connection) } }
    }

    private func take() throws -> PostgresConnection {
        if let connection = idle.withLock({ $0.popLast() }) { return connection }
        let connection = try PostgresConnection(url: url)
        try connection.query("SELECT set_config('search_path', $1, false)", [Self.quoteIdentifier(schema)])
        // NOTICEs ("schema already exists, skipping") would go to stderr, past the worker's log.
        try connection.query("SET client_min_messages = warning")
        return connection
    }

    private func give(_ connection: PostgresConnection) {
        idle.withLock { $0.append(connection) }
    }

    /// `"name"` with embedded quotes doubled: safe for an identifier such as the schema.
    static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
