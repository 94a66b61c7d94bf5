import Foundation
import Testing
import UvianHost

/// PostgreSQL specifics: migrations from empty, re-run, and two workers starting at once. (A
/// database restart in the middle of a run is Tests/interop/test_postgres_restart.py.)
@Suite(.enabled(if: StoreBackend.databaseURL != nil, "needs TEST_DATABASE_URL (scripts/run-tests.sh starts PostgreSQL)"))
struct PostgresTests {
    var url: String { StoreBackend.databaseURL ?? "" }

    func psql(_ sql: String, url: String? = nil) async throws -> String {
        let result = try await Subprocess.run("/usr/bin/env", ["psql", url ?? self.url, "-XAtc", sql])
        guard result.status == 0 else { throw CPluginBuilder.BuildFailure(description: "psql: \(result.stderr)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func migratesFromEmptyAndReRunsAsANoOp() async throws {
        let schema = StoreBackend.freshSchema()
        let pool = PostgresPool(url: url, size: 1, schema: schema, logger: TestWorker.quietLogger)
        #expect(try await PostgresMigrations.apply(on: pool, logger: TestWorker.quietLogger) == Array(1...PostgresMigrations.versions.count))
        #expect(try await PostgresMigrations.apply(on: pool, logger: TestWorker.quietLogger) == [])
        let tables = try await psql("SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables WHERE table_schema = '\(schema)'")
        #expect(tables == "conversations,messages,task_logs,task_notifications,tasks,uvw_schema_migrations,webhook_deliveries,webhook_settings")
        let jsonb = try await psql("SELECT data_type FROM information_schema.columns WHERE table_schema = '\(schema)' AND table_name = 'tasks' AND column_name = 'parameters'")
        #expect(jsonb == "jsonb")
    }

    @Test func twoWorkersStartingAtOnceMigrateOnce() async throws {
        let schema = StoreBackend.freshSchema()
        let environment = ["DATABASE_URL": url, "DB_SCHEMA": schema]
        let first = try WorkerProcess(environment: environment)
        let second = try WorkerProcess(environment: environment)
        // Both start together; the advisory lock lets one migrate while the other waits.
        async let started1: Void = first.start()
        async let started2: Void = second.start()
        _ = try await (started1, started2)
        let migrated = [first, second].map { worker in worker.logLines().filter { $0["message"]?.stringValue == "store.migrated" }.count }
        #expect(migrated.sorted() == [0, PostgresMigrations.versions.count])
        let versions = (1...PostgresMigrations.versions.count).map(String.init).joined(separator: ",")
        #expect(try await psql("SELECT string_agg(version::text, ',' ORDER BY version) FROM \(schema).uvw_schema_migrations") == versions)
        // Both serve, on the same tables.
        let reply = try await first.request("POST", "/execute?wait=10", body: #"{"task_type":"echo","parameters":{"n":1}}"#)
        let id = try #require(reply.json?["task_id"]?.stringValue)
        #expect(try await second.request("GET", "/task/\(id)").json?["status"]?.stringValue == "completed")
        await first.stop()
        await second.stop()
        // `uvian-worker migrate` then finds nothing to do.
        var env = ProcessInfo.processInfo.environment
        env["DATABASE_URL"] = url
        env["DB_SCHEMA"] = schema
        let migrate = try await Subprocess.run(TestPaths.workerBinary, ["migrate"], environment: env)
        #expect(migrate.status == 0)
        #expect(migrate.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "up to date")
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
