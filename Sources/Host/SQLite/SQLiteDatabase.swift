import Foundation

/// A SQLite database file used from async code: one connection on one dedicated thread, so every
/// blocking SQLite call stays off Swift's cooperative pool and calls are naturally serialised.
public final class SQLiteDatabase: Sendable {
    private let executor: BlockingExecutor
    // Only ever touched on the executor's single thread.
    private let connection: SQLiteConnection
    public let path: String

    public init(path: String) throws {
        self.path = path
        connection = try SQLiteConnection(path: path)
        executor = BlockingExecutor(threads: 1, name: "sqlite")
    }

    /// Runs `body` with the connection on the database thread.
    @discardableResult
    func withConnection<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        let connection = self.connection
        return try await executor.run { try body(connection) }
    }

    /// Runs `body` inside an immediate transaction on the database thread.
    @discardableResult
    func transaction<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await withConnection { connection in try connection.transaction { try body(connection) } }
    }

    deinit {
        executor.shutdown()
    }
}
