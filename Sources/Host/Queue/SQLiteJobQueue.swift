import Foundation

/// The embedded queue: a table in the SQLite file, shared safely by several worker processes.
///
/// A fetch takes the write lock (BEGIN IMMEDIATE), picks the best runnable row and stamps it with
/// the worker's lease in one transaction, so two processes never take the same job. A row whose
/// lease expired counts as runnable again: that is how a job outlives a `kill -9` of its worker.
/// Order: no-priority jobs first, then priority 1, 2, … (BullMQ's rule), then oldest first.
public final class SQLiteJobQueue: JobQueue {
    let database: SQLiteDatabase

    public let kind = "sqlite"
    /// How often to look for jobs added by other processes when nothing is due sooner.
    let pollInterval: Duration

    public init(database: SQLiteDatabase, pollInterval: Duration = .milliseconds(500)) async throws {
        self.pollInterval = pollInterval
        self.database = database
        try await database.withConnection { connection in try connection.transaction { try connection.execute(Self.schema) } }
    }

    static let schema = """
        CREATE TABLE IF NOT EXISTS queue_jobs (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            task_type TEXT NOT NULL,
            parameters TEXT NOT NULL,
            priority INTEGER NOT NULL,
            run_at REAL NOT NULL,
            attempts_made INTEGER NOT NULL DEFAULT 0,
            max_attempts INTEGER NOT NULL,
            backoff_type TEXT NOT NULL,
            backoff_delay_ms INTEGER NOT NULL,
            backoff_jitter REAL NOT NULL DEFAULT 0,
            timeout_s REAL,
            lease_owner TEXT,
            lease_until REAL,
            cancel_requested INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX IF NOT EXISTS queue_jobs_ready ON queue_jobs (lease_until, priority, run_at, seq);
        """

    private static func now() -> Double { Date().timeIntervalSince1970 }

    public func enqueue(_ job: NewJob) async throws {
        try await database.transaction { connection in try Self.insert(job, in: connection) }
    }

    static func insert(_ job: NewJob, in connection: SQLiteConnection) throws {
        let runAt = now() + Double(job.options.delayMs) / 1000
        try connection.query(
            """
            INSERT INTO queue_jobs (id, task_type, parameters, priority, run_at, max_attempts, backoff_type, backoff_delay_ms, backoff_jitter, timeout_s)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .text(job.id), .text(job.taskType), .text(job.parametersJSON), .int(Int64(job.options.priority)),
                .double(runAt), .int(Int64(job.options.attempts)), .text(job.options.backoff.kind.rawValue),
                .int(Int64(job.options.backoff.delayMs)), .double(job.options.backoff.jitter),
                job.options.timeoutSeconds.map { .double($0) } ?? .null,
            ])
    }

    public func fetch(workerId: String, excluding: Set<String>, lease: Duration, limit: Int) async throws -> [LeasedJob] {
        try await database.transaction { connection in
            try Self.lease(workerId: workerId, excluding: excluding, lease: lease, limit: limit, in: connection)
        }
    }

    /// Leases up to `limit` runnable jobs: the best first (priority, due time, age).
    static func lease(workerId: String, excluding: Set<String>, lease: Duration, limit: Int, in connection: SQLiteConnection) throws -> [LeasedJob] {
        let leaseSeconds = Double(lease.components.seconds) + Double(lease.components.attoseconds) / 1e18
        let now = Self.now()
        var sql = """
            SELECT * FROM queue_jobs
            WHERE run_at <= ? AND cancel_requested = 0 AND (lease_until IS NULL OR lease_until < ?)
            """
        var bindings: [SQLiteValue] = [.double(now), .double(now)]
        if !excluding.isEmpty {
            sql += " AND task_type NOT IN (" + Array(repeating: "?", count: excluding.count).joined(separator: ",") + ")"
            bindings += excluding.sorted().map { .text($0) }
        }
        sql += " ORDER BY priority, run_at, seq LIMIT ?"
        bindings.append(.int(Int64(max(limit, 1))))
        return try connection.query(sql, bindings).compactMap { row -> LeasedJob? in
            guard let seq = row["seq"]?.int else { return nil }
            let attempt = Int(row["attempts_made"]?.int ?? 0) + 1
            try connection.query(
                "UPDATE queue_jobs SET lease_owner = ?, lease_until = ?, attempts_made = ? WHERE seq = ?",
                [.text(workerId), .double(now + leaseSeconds), .int(Int64(attempt)), .int(seq)])
            return LeasedJob(
                id: row["id"]?.text ?? "",
                taskType: row["task_type"]?.text ?? "",
                parametersJSON: row["parameters"]?.text ?? "{}",
                attempt: attempt,
                maxAttempts: Int(row["max_attempts"]?.int ?? 1),
                backoff: Backoff(
                    kind: Backoff.Kind(rawValue: row["backoff_type"]?.text ?? "") ?? .fixed,
                    delayMs: Int(row["backoff_delay_ms"]?.int ?? 0), jitter: row["backoff_jitter"]?.double ?? 0),
                timeoutSeconds: row["timeout_s"]?.double)
        }
    }

    /// Sleeps until the next delayed job or expiring lease is due, or the poll interval passes.
    /// Jobs added in this process wake the worker sooner through its own doorbell.
    public func waitForJobs(limit: Duration) async {
        var wait = min(limit, pollInterval)
        if let next = try? await nextRunnableDate() {
            wait = min(wait, .milliseconds(max(Int(next.timeIntervalSinceNow * 1000), 1)))
        }
        try? await Task.sleep(for: wait)
    }

    func nextRunnableDate() async throws -> Date? {
        try await database.withConnection { connection in
            let now = Self.now()
            // The next delayed job, or the next lease to expire.
            let row = try connection.query(
                """
                SELECT MIN(t) AS t FROM (
                    SELECT MIN(run_at) AS t FROM queue_jobs WHERE lease_until IS NULL AND cancel_requested = 0
                    UNION ALL SELECT MIN(lease_until) FROM queue_jobs WHERE lease_until IS NOT NULL AND cancel_requested = 0
                )
                """).first
            return row?["t"]?.double.map { Date(timeIntervalSince1970: max($0, now)) }
        }
    }

    public func renewLeases(_ jobs: [LeasedJob], workerId: String, lease: Duration) async throws -> LeaseRenewal {
        let ids = jobs.map(\.id)
        guard !ids.isEmpty else { return LeaseRenewal() }
        let leaseSeconds = Double(lease.components.seconds)
        return try await database.transaction { connection in
            var renewal = LeaseRenewal()
            let until = Self.now() + leaseSeconds
            for id in ids {
                try connection.query("UPDATE queue_jobs SET lease_until = ? WHERE id = ? AND lease_owner = ?",
                                     [.double(until), .text(id), .text(workerId)])
                if connection.changes == 0 {
                    renewal.lost.insert(id)
                    continue
                }
                if try connection.query("SELECT cancel_requested FROM queue_jobs WHERE id = ?", [.text(id)]).first?["cancel_requested"]?.int == 1 {
                    renewal.cancelRequested.insert(id)
                }
            }
            return renewal
        }
    }

    public func complete(_ job: LeasedJob, workerId: String, resultJSON: String) async throws -> Bool {
        try await remove(job, workerId: workerId)
    }

    public func fail(_ job: LeasedJob, workerId: String, reason: String) async throws -> Bool {
        try await remove(job, workerId: workerId)
    }

    public func finishCancelled(_ job: LeasedJob, workerId: String, reason: String) async throws -> Bool {
        try await remove(job, workerId: workerId)
    }

    /// The outcome lives in the store; the queue only forgets the job.
    private func remove(_ job: LeasedJob, workerId: String) async throws -> Bool {
        try await database.transaction { connection in try Self.remove(id: job.id, workerId: workerId, in: connection) }
    }

    /// Deletes the job if `workerId` holds it; false if it does not (any more).
    static func remove(id: String, workerId: String, in connection: SQLiteConnection) throws -> Bool {
        try connection.query("DELETE FROM queue_jobs WHERE id = ? AND lease_owner = ?", [.text(id), .text(workerId)])
        return connection.changes > 0
    }

    public func retry(_ job: LeasedJob, workerId: String, reason: String, delayMs: Int) async throws -> Bool {
        let runAt = Self.now() + Double(delayMs) / 1000
        return try await database.transaction { connection in
            try connection.query(
                "UPDATE queue_jobs SET lease_owner = NULL, lease_until = NULL, run_at = ? WHERE id = ? AND lease_owner = ?",
                [.double(runAt), .text(job.id), .text(workerId)])
            return connection.changes > 0
        }
    }

    public func release(_ job: LeasedJob, workerId: String) async throws {
        try await database.transaction { connection in
            try connection.query(
                """
                UPDATE queue_jobs SET lease_owner = NULL, lease_until = NULL, attempts_made = MAX(attempts_made - 1, 0)
                WHERE id = ? AND lease_owner = ?
                """,
                [.text(job.id), .text(workerId)])
        }
    }

    public func cancel(id: String) async throws -> QueueCancellation {
        try await database.transaction { connection in
            let now = Self.now()
            try connection.query("DELETE FROM queue_jobs WHERE id = ? AND (lease_until IS NULL OR lease_until < ?)", [.text(id), .double(now)])
            if connection.changes > 0 { return .removed }
            try connection.query("UPDATE queue_jobs SET cancel_requested = 1 WHERE id = ?", [.text(id)])
            return connection.changes > 0 ? .flagged : .notFound
        }
    }

    public func depth() async throws -> (waiting: Int, active: Int) {
        try await database.withConnection { connection in
            let now = Self.now()
            let row = try connection.query(
                """
                SELECT SUM(CASE WHEN lease_until IS NULL OR lease_until < ? THEN 1 ELSE 0 END) AS waiting,
                       SUM(CASE WHEN lease_until >= ? THEN 1 ELSE 0 END) AS active FROM queue_jobs
                """, [.double(now), .double(now)]).first
            return (Int(row?["waiting"]?.int ?? 0), Int(row?["active"]?.int ?? 0))
        }
    }
}
