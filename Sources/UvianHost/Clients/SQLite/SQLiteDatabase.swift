import Foundation

/// A SQLite database file used from async code: one connection on one dedicated thread, so every
/// blocking SQLite call stays off Swift's cooperative pool and calls are naturally serialised.
///
/// Writes are group-committed: the writes that arrive while the thread is busy are run together
/// in one transaction, each in a savepoint of its own, so fifty jobs finishing at once cost one
/// `BEGIN … COMMIT` (one WAL append and one lock round) instead of fifty. Every caller still
/// resumes only after the COMMIT that holds its write.
package final class SQLiteDatabase: Sendable {
    private let executor: BlockingExecutor
    // Only ever touched on the executor's single thread.
    private let connection: SQLiteConnection
    package let path: String
    private let writes: BatchQueue<PendingWrite>
    private let checkpointer: WALCheckpointer

    private struct PendingWrite: Sendable {
        let run: @Sendable (SQLiteConnection) throws -> Void
        let finish: @Sendable ((any Error)?) -> Void
    }

    package init(path: String) throws {
        self.path = path
        let connection = try SQLiteConnection(path: path)
        // Checkpoints copy the WAL back into the database and fsync both: tens of milliseconds
        // here. Left to SQLite, they run inside whichever commit crosses 1,000 pages, stalling
        // every write queued behind it (the p99 of `/execute?wait`); a connection of their own
        // copies the pages on another thread instead, without blocking writers. That alone never
        // lets the WAL start over under steady writes (new frames land while it copies), so the
        // writer still checkpoints every 4,000 pages (16 MB): by then the background has copied
        // nearly everything, the writer's checkpoint finishes the rest with no frame landing
        // meanwhile, and the next transaction starts the WAL from its beginning.
        try connection.execute("PRAGMA wal_autocheckpoint=4000; PRAGMA journal_size_limit=33554432;")
        checkpointer = try WALCheckpointer(path: path)
        self.connection = connection
        executor = BlockingExecutor(threads: 1, name: "sqlite")
        writes = BatchQueue(executor: executor) { writes in
            let errors = connection.transaction(group: writes.map(\.run))
            for (write, error) in zip(writes, errors) { write.finish(error) }
        }
    }

    /// Runs `body` with the connection on the database thread, outside any transaction: reads,
    /// and set-up that manages its own transaction.
    @discardableResult
    package func withConnection<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        let connection = self.connection
        return try await executor.run { try body(connection) }
    }

    /// Runs `body` as a write transaction (immediate: the write lock is taken first), committed
    /// together with the other writes waiting at the time. If `body` throws, only its own
    /// changes are rolled back.
    @discardableResult
    package func transaction<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let slot = ResultSlot<T>()
            writes.add(PendingWrite(
                run: { connection in slot.value = try body(connection) },
                finish: { error in
                    if let error { continuation.resume(throwing: error) } else { continuation.resume(returning: slot.value!) }
                }))
        }
    }

    /// The same, without a task to resume: `completion` runs on the database thread after the
    /// COMMIT that holds the write (nil) or with the write's error. What the caller chains there
    /// (the queue's finish of the same job) costs no hop through the cooperative pool.
    package func transaction(_ body: @escaping @Sendable (SQLiteConnection) throws -> Void,
                             completion: @escaping @Sendable ((any Error)?) -> Void) {
        writes.add(PendingWrite(run: body, finish: completion))
    }

    deinit {
        executor.shutdown()
        checkpointer.stop()
    }
}

/// A write's result, set on the database thread before the continuation that reads it resumes.
private final class ResultSlot<T>: @unchecked Sendable {
    var value: T?
}
