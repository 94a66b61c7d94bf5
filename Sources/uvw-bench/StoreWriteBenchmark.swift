import UvianHost
import Foundation
import JSON
import Logging

/// Task outcomes written to PostgreSQL per second, one statement per outcome (what the worker
/// does) and batched (`uvw-bench store-writes`).
enum StoreWriteBenchmark {
    struct Result: Sendable {
        let count: Int
        let oneByOnePerSecond: Double
        let batchedPerSecond: Double
    }

    static func run(databaseURL: String, count: Int) async throws -> Result {
        let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let schema = "bench_" + UUID().uuidString.prefix(8).lowercased()
        let pool = PostgresPool(url: databaseURL, size: 1, schema: schema, logger: logger)
        let store = try await PostgresTaskStore(pool: pool, logger: logger)
        func tasks() async throws -> [String] {
            var ids: [String] = []
            for _ in 0..<count {
                let record = TaskRecord(id: UUID().uuidString, queue: "bench", taskType: "noop", parameters: .object([:]), options: JobOptions())
                _ = try await store.create(record)
                ids.append(record.id)
            }
            return ids
        }
        let result: JSONValue = ["ok": true]
        let single = try await tasks()
        var start = ContinuousClock.now
        for id in single {
            try await store.markFinished(id: id, status: .completed, result: result, error: nil, at: Date())
        }
        let oneByOne = ContinuousClock.now - start
        let batch = try await tasks()
        start = ContinuousClock.now
        try await store.markFinished(batch.map { .init(id: $0, status: .completed, result: result, error: nil, at: Date()) })
        let batched = ContinuousClock.now - start
        try await pool.withConnection { connection in try connection.execute(script: "DROP SCHEMA \(schema) CASCADE") }
        return Result(count: count, oneByOnePerSecond: Double(count) / oneByOne.inSeconds, batchedPerSecond: Double(count) / batched.inSeconds)
    }
}
