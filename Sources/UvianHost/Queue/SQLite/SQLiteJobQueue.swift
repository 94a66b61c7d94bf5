package import Foundation

/// The embedded queue: a table in the SQLite file, shared safely by several worker processes.
///
/// A fetch takes the write lock (BEGIN IMMEDIATE), picks the best runnable row and stamps it with
/// the worker's lease in one transaction, so two processes never take the same job. A row whose
/// lease expired counts as runnable again: that is how a job outlives a `kill -9` of its worker.
/// Order: no-priority jobs first, then priority 1, 2, … (BullMQ's rule), then oldest first.
package final class SQLiteJobQueue: JobQueue {
    package let database: SQLiteDatabase

    package let kind = "sqlite"
    package let skipsExcludedTypes = true
    /// How often to look for jobs added by other processes when nothing is due sooner.
    let pollInterval: Duration

    package init(database: SQLiteDatabase, pollInterval: Duration = .milliseconds(500)) async throws {
        self.pollInterval = pollInterval
        self.database = database
        try await database.withConnection { connection in try Self.migrate(connection) }
    }

    /// Creates the table, or brings a file made by an earlier version up to date: in the write
    /// lock, so workers starting together on one file do it once. Every step is idempotent.
    static func migrate(_ connection: SQLiteConnection) throws {
        try connection.transaction {
            try connection.execute(table)
            // Columns added since the first version, appended (so the rebuild below, which copies
            // rows with SELECT *, sees the same columns in the same order as `table`).
            let columns = Set(try connection.query("PRAGMA table_info(queue_jobs)").compactMap { $0["name"]?.text })
            for (column, type) in [("created_at", "REAL"), ("lease_token", "TEXT"), ("checked_by", "TEXT"), ("schedule_id", "TEXT"),
                                  ("parent_id", "TEXT"), ("child_failure", "TEXT"), ("deferred_failure", "TEXT"),
                                  ("pending_children", "INTEGER NOT NULL DEFAULT 0")] where !columns.contains(column) {
                try connection.execute("ALTER TABLE queue_jobs ADD COLUMN \(column) \(type)")
            }
            // Earlier files declared `seq` AUTOINCREMENT, which writes `sqlite_sequence` on every
            // insert for nothing: a plain rowid is already larger than every row present, which
            // is all the oldest-first order needs. The table is rebuilt once, rows kept.
            let sql = try connection.query("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'queue_jobs'").first?["sql"]?.text
            if sql?.contains("AUTOINCREMENT") == true {
                try connection.execute("ALTER TABLE queue_jobs RENAME TO queue_jobs_autoincrement")
                try connection.execute(table)
                try connection.execute("INSERT INTO queue_jobs SELECT * FROM queue_jobs_autoincrement; DROP TABLE queue_jobs_autoincrement;")
            }
            try connection.execute(indexes)
            try connection.execute(schedulesTable)
            try connection.execute(flowResultsTable)
            try connection.execute("CREATE TABLE IF NOT EXISTS queue_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        }
    }

    static let table = """
        CREATE TABLE IF NOT EXISTS queue_jobs (
            seq INTEGER PRIMARY KEY,
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
            cancel_requested INTEGER NOT NULL DEFAULT 0,
            created_at REAL,
            lease_token TEXT,
            checked_by TEXT,
            schedule_id TEXT,
            parent_id TEXT,
            child_failure TEXT,
            deferred_failure TEXT,
            pending_children INTEGER NOT NULL DEFAULT 0
        );
        """

    /// A fetch reads the waiting jobs of each task type in the order it takes them (priority,
    /// due time, age) and stops at its limit, however many wait; expired leases are found
    /// through an index of their own. (One index on `lease_until` first, as before, made every
    /// fetch collect and sort all the waiting jobs: 30 ms a fetch with 50,000 waiting, on the
    /// thread every write waits for.)
    static let indexes = """
        DROP INDEX IF EXISTS queue_jobs_ready;
        CREATE INDEX IF NOT EXISTS queue_jobs_waiting ON queue_jobs (task_type, priority, run_at, seq) WHERE lease_until IS NULL;
        CREATE INDEX IF NOT EXISTS queue_jobs_leased ON queue_jobs (lease_until) WHERE lease_until IS NOT NULL;
        """

    private static func now() -> Double { Date().timeIntervalSince1970 }

    /// A lease's own token: a job leased again by the same worker (its lease ran out while it ran)
    /// is a new lease, and only the newest one's holder may renew or finish it.
    static func newLeaseToken() -> String { RandomIdentifier.leaseToken() }

    /// `lease_owner = ? AND lease_token IS ?`: the lease `job` holds (no token: one taken by an
    /// earlier version, which had none).
    static let heldBy = "lease_owner = ? AND lease_token IS ?"

    static func holder(_ workerId: String, _ token: String) -> [SQLiteValue] {
        [.text(workerId), token.isEmpty ? .null : .text(token)]
    }

    package func enqueue(_ job: NewJob) async throws {
        try await database.transaction { connection in try Self.insert(job, in: connection) }
    }


    /// Queues the job; with `lease`, already leased to that worker (its first attempt), which is
    /// then returned.
    @discardableResult
    package static func insert(_ job: NewJob, leasedTo lease: (workerId: String, until: Double)? = nil, runAt: Double? = nil,
                               scheduleId: String? = nil, in connection: SQLiteConnection) throws -> LeasedJob? {
        let now = now()
        let runAt = runAt ?? now + Double(job.options.delayMs) / 1000
        let token = lease.map { _ in newLeaseToken() }
        try connection.query(
            """
            INSERT INTO queue_jobs (id, task_type, parameters, priority, run_at, max_attempts, backoff_type, backoff_delay_ms, backoff_jitter, timeout_s,
                lease_owner, lease_until, attempts_made, created_at, lease_token, checked_by, schedule_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .text(job.id), .text(job.taskType), .text(job.parametersJSON), .int(Int64(job.options.priority)),
                .double(runAt), .int(Int64(job.options.attempts)), .text(job.options.backoff.kind.rawValue),
                .int(Int64(job.options.backoff.delayMs)), .double(job.options.backoff.jitter),
                job.options.timeoutSeconds.map { .double($0) } ?? .null,
                lease.map { .text($0.workerId) } ?? .null, lease.map { .double($0.until) } ?? .null, .int(lease == nil ? 0 : 1),
                .double(now), token.map { .text($0) } ?? .null, job.checkedBy.map { .text($0) } ?? .null,
                scheduleId.map { .text($0) } ?? .null,
            ])
        guard let token else { return nil }
        var leased = LeasedJob(id: job.id, taskType: job.taskType, parametersJSON: job.parametersJSON, attempt: 1, maxAttempts: job.options.attempts,
                               backoff: job.options.backoff, timeoutSeconds: job.options.timeoutSeconds)
        leased.token = token
        leased.createdAt = Date(timeIntervalSince1970: now)
        leased.checkedBy = job.checkedBy
        return leased
    }

    /// True when no job waits and no lease has run out: a job added now is the one a fetch
    /// would take. Two seeks, whatever the queue holds.
    static func nothingRunnable(now: Double, in connection: SQLiteConnection) throws -> Bool {
        try connection.query(Query.anyWaiting).isEmpty && connection.query(Query.anyExpiredLease, [.double(now)]).isEmpty
    }

    package func fetch(workerId: String, excluding: Set<String>, lease: Duration, limit: Int) async throws -> [LeasedJob] {
        try await database.transaction { connection in
            try Self.lease(workerId: workerId, excluding: excluding, lease: lease, limit: limit, in: connection)
        }
    }

    /// The queries a fetch and an idle worker make, each a seek in one of the two indexes, so
    /// their cost does not grow with the number of jobs waiting or delayed. Within one task
    /// type and priority, the due jobs are a range of `queue_jobs_waiting` in the order they are
    /// taken; the types and priorities present are found one seek each (`> ?`), as there are
    /// usually few, and a type at its limit is stepped over without reading its jobs.
    package enum Query {
        package static let firstWaitingType = "SELECT MIN(task_type) AS v FROM queue_jobs WHERE lease_until IS NULL"
        package static let nextWaitingType = "SELECT MIN(task_type) AS v FROM queue_jobs WHERE lease_until IS NULL AND task_type > ?"
        package static let nextWaitingPriority = "SELECT MIN(priority) AS v FROM queue_jobs WHERE lease_until IS NULL AND task_type = ? AND priority > ?"
        /// Bindings: type, priority, now, limit.
        package static let dueInPriority = """
            SELECT * FROM queue_jobs WHERE lease_until IS NULL AND task_type = ? AND priority = ? AND run_at <= ?
            ORDER BY run_at, seq LIMIT ?
            """
        package static let firstDueInPriority = "SELECT MIN(run_at) AS v FROM queue_jobs WHERE lease_until IS NULL AND task_type = ? AND priority = ?"
        package static let anyWaiting = "SELECT 1 AS v FROM queue_jobs WHERE lease_until IS NULL LIMIT 1"
        package static let anyExpiredLease = "SELECT 1 AS v FROM queue_jobs WHERE lease_until < ? LIMIT 1"
        package static let firstLeaseEnd = "SELECT MIN(lease_until) AS v FROM queue_jobs WHERE lease_until IS NOT NULL"
        /// Jobs whose worker's lease ran out (it died), usually none. Bindings: now, now, limit.
        package static let expiredLeases = """
            SELECT * FROM queue_jobs WHERE lease_until < ? AND run_at <= ? ORDER BY priority, run_at, seq LIMIT ?
            """
    }

    /// Calls `body` with each task type that has waiting jobs, then with each of its priorities
    /// (lowest first) until `body` returns false for that type.
    private static func forEachWaitingPriority(in connection: SQLiteConnection, skipping excluded: Set<String> = [],
                                               _ body: (String, Int64) throws -> Bool) throws {
        var type = try connection.query(Query.firstWaitingType).first?["v"]?.text
        while let current = type {
            if !excluded.contains(current) {
                var priority = try connection.query(Query.nextWaitingPriority, [.text(current), .int(.min)]).first?["v"]?.int
                while let p = priority, try body(current, p) {
                    priority = try connection.query(Query.nextWaitingPriority, [.text(current), .int(p)]).first?["v"]?.int
                }
            }
            type = try connection.query(Query.nextWaitingType, [.text(current)]).first?["v"]?.text
        }
    }

    /// The best `limit` runnable rows: no priority first, then 1, 2, …, then the earliest due,
    /// then the oldest; a job whose lease expired competes in the same order.
    private static func runnableRows(now: Double, excluding: Set<String>, limit: Int, in connection: SQLiteConnection) throws -> [[String: SQLiteValue]] {
        var rows: [[String: SQLiteValue]] = []
        var takenOfType: [String: Int] = [:]
        try forEachWaitingPriority(in: connection, skipping: excluding) { type, priority in
            let taken = takenOfType[type, default: 0]
            let due = try connection.query(Query.dueInPriority, [.text(type), .int(priority), .double(now), .int(Int64(limit - taken))])
            rows += due
            takenOfType[type] = taken + due.count
            // Once a type's best `limit` are found, its lower priorities cannot make the cut.
            return taken + due.count < limit
        }
        let expired = try connection.query(Query.expiredLeases, [.double(now), .double(now), .int(Int64(limit))]).filter {
            !excluding.contains($0["task_type"]?.text ?? "")
        }
        // One type's rows come in order already.
        guard takenOfType.count > 1 || !expired.isEmpty else { return rows }
        func order(_ row: [String: SQLiteValue]) -> (Int64, Double, Int64) {
            (row["priority"]?.int ?? 0, row["run_at"]?.double ?? 0, row["seq"]?.int ?? 0)
        }
        return Array((rows + expired).sorted { order($0) < order($1) }.prefix(limit))
    }

    /// Leases up to `limit` runnable jobs: the best first (priority, due time, age). A job whose
    /// cancel was asked for while another worker held it (which then died, or returned it at
    /// shutdown) is leased too, marked `cancelRequested`, for the worker to end as cancelled
    /// without running it: left out, it would stay queued and its task processing forever.
    static func lease(workerId: String, excluding: Set<String>, lease: Duration, limit: Int, in connection: SQLiteConnection) throws -> [LeasedJob] {
        let leaseSeconds = lease.inSeconds
        let now = Self.now()
        let token = newLeaseToken()
        if try isPaused(in: connection) { return [] }
        return try runnableRows(now: now, excluding: excluding, limit: max(limit, 1), in: connection).compactMap { row -> LeasedJob? in
            guard let seq = row["seq"]?.int else { return nil }
            let attempt = Int(row["attempts_made"]?.int ?? 0) + 1
            try connection.query(
                "UPDATE queue_jobs SET lease_owner = ?, lease_until = ?, attempts_made = ?, lease_token = ? WHERE seq = ?",
                [.text(workerId), .double(now + leaseSeconds), .int(Int64(attempt)), .text(token), .int(seq)])
            var job = LeasedJob(
                id: row["id"]?.text ?? "",
                taskType: row["task_type"]?.text ?? "",
                parametersJSON: row["parameters"]?.text ?? "{}",
                attempt: attempt,
                maxAttempts: Int(row["max_attempts"]?.int ?? 1),
                backoff: Backoff(
                    kind: Backoff.Kind(rawValue: row["backoff_type"]?.text ?? "") ?? .fixed,
                    delayMs: Int(row["backoff_delay_ms"]?.int ?? 0), jitter: row["backoff_jitter"]?.double ?? 0),
                timeoutSeconds: row["timeout_s"]?.double)
            job.cancelRequested = row["cancel_requested"]?.int == 1
            job.leaseTakenOver = row["lease_until"]?.double != nil
            job.token = token
            job.createdAt = row["created_at"]?.double.map { Date(timeIntervalSince1970: $0) }
            job.checkedBy = row["checked_by"]?.text
            job.parentId = row["parent_id"]?.text
            job.deferredFailure = row["deferred_failure"]?.text
            if let scheduleId = row["schedule_id"]?.text {
                job.schedule = try advanceSchedule(scheduleId, startingRun: job.id, attempt: attempt, in: connection)
            }
            return job
        }
    }

    /// Sleeps until the next delayed job or expiring lease is due, or the poll interval passes.
    /// Jobs added in this process wake the worker sooner through its own doorbell.
    package func waitForJobs(limit: Duration) async {
        var wait = min(limit, pollInterval)
        if let next = try? await nextRunnableDate() {
            wait = min(wait, .milliseconds(max(Int(next.timeIntervalSinceNow * 1000), 1)))
        }
        try? await Task.sleep(for: wait)
    }

    package func nextRunnableDate() async throws -> Date? {
        try await database.withConnection { connection in
            // The next lease to expire, or the next delayed job: the earliest of each type's and
            // priority's.
            var next = try connection.query(Query.firstLeaseEnd).first?["v"]?.double
            try Self.forEachWaitingPriority(in: connection) { type, priority in
                if let due = try connection.query(Query.firstDueInPriority, [.text(type), .int(priority)]).first?["v"]?.double {
                    next = min(next ?? due, due)
                }
                return true
            }
            return next.map { Date(timeIntervalSince1970: max($0, Self.now())) }
        }
    }

    package func renewLeases(_ jobs: [LeasedJob], workerId: String, lease: Duration) async throws -> LeaseRenewal {
        guard !jobs.isEmpty else { return LeaseRenewal() }
        let leaseSeconds = lease.inSeconds
        return try await database.transaction { connection in
            var renewal = LeaseRenewal()
            let until = Self.now() + leaseSeconds
            for job in jobs {
                try connection.query("UPDATE queue_jobs SET lease_until = ? WHERE id = ? AND \(Self.heldBy)",
                                     [.double(until), .text(job.id)] + Self.holder(workerId, job.token))
                if connection.changes == 0 {
                    renewal.lost.insert(job.id)
                    continue
                }
                if try connection.query("SELECT cancel_requested FROM queue_jobs WHERE id = ?", [.text(job.id)]).first?["cancel_requested"]?.int == 1 {
                    renewal.cancelRequested.insert(job.id)
                }
            }
            return renewal
        }
    }

    /// The outcome lives in the store; the queue only forgets the job (no fetch-next: the
    /// embedded worker leases its next jobs in the transactions of its fetches and submits).
    package func finish(_ job: LeasedJob, workerId: String, as outcome: QueueFinish, leasingNext lease: Duration?) async throws -> QueueFinishReply {
        let ending: ChildEnding
        switch outcome {
        case .completed(let resultJSON): ending = .completed(resultJSON: resultJSON)
        case .failed(let reason, _), .cancelled(let reason): ending = .failed(reason: reason)
        }
        let owned = try await database.transaction { connection in try Self.remove(job, workerId: workerId, ending: ending, in: connection) }
        return QueueFinishReply(owned: owned, next: nil)
    }

    /// Deletes the job if `workerId` holds its lease (this very lease), settling its flow parent
    /// if it has one; false if it does not hold it (any more).
    static func remove(_ job: LeasedJob, workerId: String, ending: ChildEnding, in connection: SQLiteConnection) throws -> Bool {
        let removed = try connection.query("DELETE FROM queue_jobs WHERE id = ? AND \(heldBy) RETURNING parent_id, child_failure",
                                           [.text(job.id)] + holder(workerId, job.token))
        guard let row = removed.first else { return false }
        try settleFlow(ofRemoved: job.id, parentId: row["parent_id"]?.text, failure: row["child_failure"]?.text, ending: ending, in: connection)
        return true
    }

    package func retry(_ job: LeasedJob, workerId: String, reason: String, delayMs: Int) async throws -> Bool {
        let runAt = Self.now() + Double(delayMs) / 1000
        return try await database.transaction { connection in
            try connection.query(
                "UPDATE queue_jobs SET lease_owner = NULL, lease_until = NULL, lease_token = NULL, run_at = ? WHERE id = ? AND \(Self.heldBy)",
                [.double(runAt), .text(job.id)] + Self.holder(workerId, job.token))
            return connection.changes > 0
        }
    }

    package func release(_ job: LeasedJob, workerId: String) async throws {
        try await database.transaction { connection in
            try connection.query(
                """
                UPDATE queue_jobs SET lease_owner = NULL, lease_until = NULL, lease_token = NULL, attempts_made = MAX(attempts_made - 1, 0)
                WHERE id = ? AND \(Self.heldBy)
                """,
                [.text(job.id)] + Self.holder(workerId, job.token))
        }
    }

    package func cancel(id: String) async throws -> QueueCancellation {
        try await database.transaction { connection in
            let now = Self.now()
            let removed = try connection.query(
                "DELETE FROM queue_jobs WHERE id = ? AND (lease_until IS NULL OR lease_until < ?) RETURNING parent_id, child_failure",
                [.text(id), .double(now)])
            if let row = removed.first {
                try Self.settleFlow(ofRemoved: id, parentId: row["parent_id"]?.text, failure: row["child_failure"]?.text,
                                    ending: .failed(reason: "cancelled"), in: connection)
                return .removed
            }
            let holder = try connection.query("UPDATE queue_jobs SET cancel_requested = 1 WHERE id = ? RETURNING lease_owner", [.text(id)])
            guard let row = holder.first else { return .notFound }
            return .flagged(holder: row["lease_owner"]?.text)
        }
    }

    package func setPaused(_ paused: Bool) async throws {
        try await database.transaction { connection in
            if paused {
                try connection.query("INSERT OR REPLACE INTO queue_state (key, value) VALUES ('paused', '1')")
            } else {
                try connection.query("DELETE FROM queue_state WHERE key = 'paused'")
            }
        }
    }

    package func isPaused() async throws -> Bool {
        try await database.withConnection { connection in try Self.isPaused(in: connection) }
    }

    static func isPaused(in connection: SQLiteConnection) throws -> Bool {
        try !connection.query("SELECT 1 AS v FROM queue_state WHERE key = 'paused'").isEmpty
    }

    package func depth() async throws -> (waiting: Int, active: Int) {
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
