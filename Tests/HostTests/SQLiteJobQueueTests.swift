import Foundation
import Testing
import UvianHost

/// The embedded queue's table on its own: which jobs a fetch takes, how it finds them in a
/// backlog, and a file made by an earlier version brought up to date with its jobs kept.
@Suite struct SQLiteJobQueueTests {
    func job(_ id: String, type: String = "echo", priority: Int = 0, delayMs: Int = 0) -> NewJob {
        var options = JobOptions()
        options.priority = priority
        options.delayMs = delayMs
        return NewJob(id: id, taskType: type, parametersJSON: #"{"id":"\#(id)"}"#, options: options)
    }

    @Test func aFetchTakesWaitingJobsAndExpiredLeasesInOneOrder() async throws {
        let database = try SQLiteDatabase(path: try SQLiteDatabaseTests.temporaryPath())
        let queue = try await SQLiteJobQueue(database: database)
        for newJob in [job("a"), job("b", priority: 2), job("c"), job("f", type: "other"), job("d", priority: 1), job("e", delayMs: 60_000)] {
            try await queue.enqueue(newJob)
        }
        // `a` is leased by a worker that then dies: its lease runs out and it is runnable again.
        let first = try await queue.fetch(workerId: "gone", excluding: [], lease: .seconds(60), limit: 1)
        #expect(first.map(\.id) == ["a"])
        try await database.transaction { try $0.query("UPDATE queue_jobs SET lease_until = 1 WHERE id = 'a'") }

        let fetched = try await queue.fetch(workerId: "w", excluding: ["other"], lease: .seconds(60), limit: 10)
        // No priority first (the expired `a` keeps its place as the oldest), then 1, then 2; the
        // excluded type and the delayed job stay.
        #expect(fetched.map(\.id) == ["a", "c", "d", "b"])
        #expect(fetched.map(\.attempt) == [2, 1, 1, 1])
        #expect(fetched.first?.parametersJSON == #"{"id":"a"}"#)
        let rest = try await queue.fetch(workerId: "w", excluding: [], lease: .seconds(60), limit: 10)
        #expect(rest.map(\.id) == ["f"])
        #expect(try await queue.fetch(workerId: "w", excluding: [], lease: .seconds(60), limit: 10).isEmpty)
    }

    @Test func aRenewalExtendsTheLeaseByItsFractionsToo() async throws {
        let database = try SQLiteDatabase(path: try SQLiteDatabaseTests.temporaryPath())
        let queue = try await SQLiteJobQueue(database: database)
        try await queue.enqueue(job("r"))
        let leased = try await queue.fetch(workerId: "w", excluding: [], lease: .milliseconds(1500), limit: 1)
        let before = Date().timeIntervalSince1970
        #expect(try await queue.renewLeases(leased, workerId: "w", lease: .milliseconds(1500)).lost.isEmpty)
        let until = try #require(try await database.withConnection { try $0.query("SELECT lease_until FROM queue_jobs WHERE id = 'r'").first?["lease_until"]?.double })
        // LEASE_SECONDS may be below one second (0.3 at least): the renewal used to drop the fraction.
        #expect(until >= before + 1.5)
    }

    @Test func aJobCancelledWhileItsWorkerDiedIsLeasedAgainMarkedCancelled() async throws {
        let database = try SQLiteDatabase(path: try SQLiteDatabaseTests.temporaryPath())
        let queue = try await SQLiteJobQueue(database: database)
        try await queue.enqueue(job("c"))
        try await queue.enqueue(job("d"))
        #expect(try await queue.fetch(workerId: "gone", excluding: [], lease: .seconds(60), limit: 1).map(\.id) == ["c"])
        #expect(try await queue.cancel(id: "c") == .flagged(holder: "gone"))
        // The holder dies: its lease runs out.
        try await database.transaction { try $0.query("UPDATE queue_jobs SET lease_until = 1 WHERE id = 'c'") }
        let next = try await queue.fetch(workerId: "w", excluding: [], lease: .seconds(60), limit: 10)
        #expect(next.map(\.id) == ["c", "d"])
        #expect(next.map(\.cancelRequested) == [true, false])
    }

    @Test func jobsOfSeveralTypesAreTakenInOneOrderAndATypeAtItsLimitIsSkipped() async throws {
        let database = try SQLiteDatabase(path: try SQLiteDatabaseTests.temporaryPath())
        let queue = try await SQLiteJobQueue(database: database)
        for newJob in [job("x1"), job("y1", type: "other"), job("x2", priority: 1), job("y2", type: "other"), job("z1", type: "third", priority: 1)] {
            try await queue.enqueue(newJob)
        }
        let two = try await queue.fetch(workerId: "w", excluding: [], lease: .seconds(60), limit: 2)
        #expect(two.map(\.id) == ["x1", "y1"])
        let skipping = try await queue.fetch(workerId: "w", excluding: ["other"], lease: .seconds(60), limit: 10)
        #expect(skipping.map(\.id) == ["x2", "z1"])
        #expect(try await queue.fetch(workerId: "w", excluding: [], lease: .seconds(60), limit: 10).map(\.id) == ["y2"])
    }

    @Test func aFetchAndAnIdleWorkerSeekInIndexesWhateverTheBacklog() async throws {
        let database = try SQLiteDatabase(path: try SQLiteDatabaseTests.temporaryPath())
        _ = try await SQLiteJobQueue(database: database)
        typealias Query = SQLiteJobQueue.Query
        let queries: [(String, [SQLiteValue])] = [
            (Query.firstWaitingType, []),
            (Query.nextWaitingType, [.text("t")]),
            (Query.nextWaitingPriority, [.text("t"), .int(0)]),
            (Query.dueInPriority, [.text("t"), .int(0), .double(0), .int(5)]),
            (Query.firstDueInPriority, [.text("t"), .int(0)]),
            (Query.firstLeaseEnd, []),
            (Query.anyExpiredLease, [.double(0)]),
            (Query.expiredLeases, [.double(0), .double(0), .int(5)]),
        ]
        for (sql, bindings) in queries {
            let plan = try await database.withConnection { connection in
                try connection.query("EXPLAIN QUERY PLAN " + sql, bindings).compactMap { $0["detail"]?.text }
            }
            // A SEARCH reads a range of an index; a SCAN would read every waiting or delayed job
            // (a fetch took 30 ms with 50,000 of them, on the thread every write waits for).
            #expect(plan.allSatisfy { !$0.hasPrefix("SCAN") }, "\(sql): \(plan)")
            #expect(plan.contains { $0.hasPrefix("SEARCH queue_jobs USING") && $0.contains("INDEX queue_jobs_") }, "\(sql): \(plan)")
        }
        // Whether anything waits: every entry of the waiting index answers, and one is read.
        let anyWaiting = try await database.withConnection { connection in
            try connection.query("EXPLAIN QUERY PLAN " + Query.anyWaiting).compactMap { $0["detail"]?.text }
        }
        #expect(anyWaiting.count == 1 && anyWaiting[0].hasSuffix("INDEX queue_jobs_waiting") && Query.anyWaiting.hasSuffix("LIMIT 1"), "\(anyWaiting)")
    }

    @Test func anIdleWorkerWaitsForTheNextDelayedJobOfAnyPriority() async throws {
        let database = try SQLiteDatabase(path: try SQLiteDatabaseTests.temporaryPath())
        let queue = try await SQLiteJobQueue(database: database)
        #expect(try await queue.nextRunnableDate() == nil)
        try await queue.enqueue(job("later", priority: 0, delayMs: 60_000))
        try await queue.enqueue(job("sooner", priority: 5, delayMs: 20_000))
        let next = try #require(try await queue.nextRunnableDate())
        #expect(abs(next.timeIntervalSinceNow - 20) < 5)
    }

    @Test func aFileFromAnEarlierVersionKeepsItsJobsAndTasks() async throws {
        let path = try SQLiteDatabaseTests.temporaryPath()
        do {
            // The tables as version 1 of the store and the first queue left them.
            let old = try SQLiteConnection(path: path)
            try old.execute(SQLiteTaskStore.schema)
            try old.execute("""
                PRAGMA user_version = 1;
                CREATE TABLE queue_jobs (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, task_type TEXT NOT NULL, parameters TEXT NOT NULL,
                    priority INTEGER NOT NULL, run_at REAL NOT NULL, attempts_made INTEGER NOT NULL DEFAULT 0, max_attempts INTEGER NOT NULL,
                    backoff_type TEXT NOT NULL, backoff_delay_ms INTEGER NOT NULL, backoff_jitter REAL NOT NULL DEFAULT 0, timeout_s REAL,
                    lease_owner TEXT, lease_until REAL, cancel_requested INTEGER NOT NULL DEFAULT 0);
                CREATE INDEX queue_jobs_ready ON queue_jobs (lease_until, priority, run_at, seq);
                INSERT INTO queue_jobs (id, task_type, parameters, priority, run_at, max_attempts, backoff_type, backoff_delay_ms)
                    VALUES ('old-1', 'echo', '{"n":1}', 0, 1, 3, 'fixed', 10), ('old-2', 'echo', '{"n":2}', 0, 2, 1, 'fixed', 0);
                INSERT INTO tasks (id, queue, task_type, status, parameters, options, created_at, updated_at, finished_at)
                    VALUES ('done', 'q', 'echo', 'completed', '{}', '{}', 1, 1, 1),
                           ('waiting', 'q', 'echo', 'pending', '{}', '{}', 1, 1, NULL);
                """)
        }
        let database = try SQLiteDatabase(path: path)
        let store = try await SQLiteTaskStore(database: database)
        let queue = try await SQLiteJobQueue(database: database)
        try await queue.enqueue(job("new"))

        let fetched = try await queue.fetch(workerId: "w", excluding: [], lease: .seconds(60), limit: 10)
        #expect(fetched.map(\.id) == ["old-1", "old-2", "new"])
        #expect(fetched.first?.maxAttempts == 3)
        #expect(fetched.first?.parametersJSON == #"{"n":1}"#)

        let schema = try await database.withConnection { connection in
            try connection.query("SELECT name, sql FROM sqlite_master WHERE tbl_name IN ('queue_jobs', 'tasks') AND sql IS NOT NULL ORDER BY name")
                .map { ($0["name"]?.text ?? "", $0["sql"]?.text ?? "") }
        }
        #expect(schema.first { $0.0 == "queue_jobs" }.map { !$0.1.contains("AUTOINCREMENT") } == true)
        #expect(schema.map(\.0) == ["queue_jobs", "queue_jobs_leased", "queue_jobs_waiting", "tasks", "tasks_created",
                                    "tasks_finished_at", "tasks_parent", "tasks_search_dirty", "tasks_status_created", "tasks_type_created"])
        let version = try await database.withConnection { try $0.query("PRAGMA user_version").first?["user_version"]?.int }
        #expect(version == 6)
        // Tasks stored before the search index are found by it.
        var search = TaskQuery()
        search.search = TaskSearch("ech")
        #expect(try await store.list(search).tasks.map(\.id).sorted() == ["done", "waiting"])

        // The clean-up still finds the finished task, and only it.
        #expect(try await store.deleteFinishedTasks(before: Date(), limit: 10) == 1)
        #expect(try await store.get(id: "done") == nil)
        #expect(try await store.get(id: "waiting")?.status == .pending)
    }
}
