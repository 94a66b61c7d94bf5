import Foundation
import Testing
@testable import Host

/// PostgreSQL specifics: migrations from empty, re-run, and two workers starting at once. (A
/// database restart in the middle of a run is Tests/interop/test_postgres_restart.py.)
@Suite(.enabled(if: StoreBackend.databaseURL != nil, "needs TEST_DATABASE_URL (scripts/run-tests.sh starts PostgreSQL)"))
struct PostgresTests {
    var url: String { StoreBackend.databaseURL ?? "" }

    func psql(_ sql: String, url: String? = nil) throws -> String {
        let result = try Subprocess.run("/usr/bin/env", ["psql", url ?? self.url, "-XAtc", sql])
        guard result.status == 0 else { throw CPluginBuilder.BuildFailure(description: "psql: \(result.stderr)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func migratesFromEmptyAndReRunsAsANoOp() async throws {
        let schema = StoreBackend.freshSchema()
        let pool = PostgresPool(url: url, size: 1, schema: schema, logger: TestWorker.quietLogger)
        #expect(try await PostgresMigrations.apply(on: pool, logger: TestWorker.quietLogger) == Array(1...PostgresMigrations.versions.count))
        #expect(try await PostgresMigrations.apply(on: pool, logger: TestWorker.quietLogger) == [])
        let tables = try psql("SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables WHERE table_schema = '\(schema)'")
        #expect(tables == "conversations,messages,tasks,uvw_schema_migrations")
        let jsonb = try psql("SELECT data_type FROM information_schema.columns WHERE table_schema = '\(schema)' AND table_name = 'tasks' AND column_name = 'parameters'")
        #expect(jsonb == "jsonb")
    }

    @Test func twoWorkersStartingAtOnceMigrateOnce() async throws {
        let schema = StoreBackend.freshSchema()
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = url
        environment["DB_SCHEMA"] = schema
        environment["LOG_LEVEL"] = "error"
        let env = environment
        let results = try await withThrowingTaskGroup(of: Subprocess.Result.self) { group in
            for _ in 0..<2 {
                group.addTask { try Subprocess.run(TestPaths.workerBinary, ["migrate"], environment: env) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.allSatisfy { $0.status == 0 }, "\(results.map(\.stderr))")
        #expect(Set(results.map { $0.stdout.trimmingCharacters(in: .whitespacesAndNewlines) }) == ["applied: 1", "up to date"])
        #expect(try psql("SELECT string_agg(version::text, ',') FROM \(schema).uvw_schema_migrations") == "1")
    }

    @Test func thePasswordNeverAppearsInAnError() async throws {
        // Port 1: nothing listens, so the connection fails and libpq explains why.
        let pool = PostgresPool(url: "postgres://worker:top-secret-pw@127.0.0.1:1/db", size: 1, logger: TestWorker.quietLogger)
        do {
            _ = try await PostgresMigrations.apply(on: pool, logger: TestWorker.quietLogger)
            Issue.record("connected to nothing")
        } catch {
            #expect(!"\(error)".contains("top-secret-pw"))
            #expect("\(error)".contains("cannot connect to PostgreSQL"))
        }
    }
}
