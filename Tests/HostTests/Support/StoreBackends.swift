import Foundation
import Logging
import Testing
import UvianHost

/// The store backends the shared store suite runs on: SQLite always, PostgreSQL when the test
/// script started one (`TEST_DATABASE_URL`, set by scripts/run-tests.sh — so in CI both run).
enum StoreBackend: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite, postgres

    var description: String { rawValue }

    static var databaseURL: String? { ProcessInfo.processInfo.environment["TEST_DATABASE_URL"] }

    static var available: [StoreBackend] {
        databaseURL == nil ? [.sqlite] : [.sqlite, .postgres]
    }

    /// A fresh, empty store: a new SQLite file, or a new PostgreSQL schema.
    func makeStore() async throws -> any TaskStore {
        switch self {
        case .sqlite:
            let database = try SQLiteDatabase(path: TestPaths.temporaryDirectory("store") + "/store.sqlite3")
            return try await SQLiteTaskStore(database: database)
        case .postgres:
            let pool = PostgresPool(url: try #require(Self.databaseURL), size: 2, schema: Self.freshSchema(), logger: TestWorker.quietLogger)
            return try await PostgresTaskStore(pool: pool, logger: TestWorker.quietLogger)
        }
    }

    static func freshSchema() -> String { "t_" + UUID().uuidString.prefix(8).lowercased() }
}

