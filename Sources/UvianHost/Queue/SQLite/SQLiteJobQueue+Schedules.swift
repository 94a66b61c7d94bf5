import Foundation
import JSON

/// Schedules on the embedded queue: a table beside the jobs. A schedule's pending run is an
/// ordinary job (`repeat:<id>:<ms>`, due at its time, marked with the schedule's id); the
/// transaction that leases it creates the run after it, so a run is created once however many
/// workers share the file.
extension SQLiteJobQueue: ScheduleBackend {
    static let schedulesTable = """
        CREATE TABLE IF NOT EXISTS queue_schedules (
            id TEXT PRIMARY KEY,
            definition TEXT NOT NULL,
            next_run INTEGER,
            iteration_count INTEGER NOT NULL DEFAULT 0,
            last_task_id TEXT,
            updated_at REAL NOT NULL
        );
        """

    static func nowMs() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

    package func upsertSchedule(_ schedule: Schedule) async throws -> ScheduleStatus {
        try await database.transaction { connection in
            let now = Self.nowMs()
            let existing = try Self.scheduleStatus(schedule.id, in: connection)
            var next: Int64?
            if let existing, let pending = existing.nextRun {
                // The pending run is replaced (its parameters or options may have changed); at the
                // same time when the timing did not change. A run a worker has leased goes on.
                try connection.query("DELETE FROM queue_jobs WHERE id = ? AND lease_until IS NULL",
                                     [.text(ScheduleRun.taskId(schedule: schedule.id, at: pending))])
                if connection.changes > 0, existing.schedule.timing == schedule.timing { next = pending }
            }
            next = next ?? schedule.timing.firstRun(now: now)
            if let run = next {
                next = try Self.insertRun(of: schedule, at: run, in: connection)
            }
            let count = next == nil ? (existing?.iterationCount ?? 0) : max(existing?.iterationCount ?? 1, 1)
            try connection.query(
                """
                INSERT INTO queue_schedules (id, definition, next_run, iteration_count, updated_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET definition = excluded.definition, next_run = excluded.next_run,
                    iteration_count = excluded.iteration_count, updated_at = excluded.updated_at
                """,
                [.text(schedule.id), .text(schedule.json.serialized()), next.map { .int($0) } ?? .null, .int(Int64(count)),
                 .double(Double(now) / 1000)])
            return ScheduleStatus(schedule: schedule, nextRun: next, iterationCount: count, lastTaskId: existing?.lastTaskId)
        }
    }

    package func schedule(id: String) async throws -> ScheduleStatus? {
        try await database.withConnection { connection in try Self.scheduleStatus(id, in: connection) }
    }

    package func schedules() async throws -> [ScheduleStatus] {
        try await database.withConnection { connection in
            try connection.query("SELECT * FROM queue_schedules ORDER BY next_run IS NULL, next_run, id").compactMap(Self.scheduleStatus(from:))
        }
    }

    package func removeSchedule(id: String) async throws -> Bool {
        try await database.transaction { connection in
            guard let existing = try Self.scheduleStatus(id, in: connection) else { return false }
            if let pending = existing.pendingTaskId {
                try connection.query("DELETE FROM queue_jobs WHERE id = ? AND lease_until IS NULL", [.text(pending)])
            }
            try connection.query("DELETE FROM queue_schedules WHERE id = ?", [.text(id)])
            return true
        }
    }

    /// Called by the lease of a scheduled job, in its transaction: when the job is the schedule's
    /// pending run, creates the run after it (unless the schedule has ended). Returns what the
    /// run's task records of its schedule.
    static func advanceSchedule(_ id: String, startingRun jobId: String, attempt: Int, in connection: SQLiteConnection) throws -> ScheduleRun {
        let now = nowMs()
        let scheduledAt = ScheduleRun.time(inTaskId: jobId, schedule: id) ?? now
        var run = ScheduleRun(scheduleId: id, scheduledAt: scheduledAt, missed: 0)
        // A schedule removed meanwhile, a retry, or a run made another way: nothing to advance.
        guard attempt == 1, let status = try scheduleStatus(id, in: connection), status.nextRun == scheduledAt else { return run }
        let timing = status.schedule.timing
        run.missed = timing.missedRuns(after: scheduledAt, now: now)
        var next = timing.allowsAnother(afterCreating: status.iterationCount) ? timing.nextRun(after: scheduledAt, now: now) : nil
        if let candidate = next { next = try insertRun(of: status.schedule, at: candidate, in: connection) }
        try connection.query(
            "UPDATE queue_schedules SET next_run = ?, iteration_count = iteration_count + ?, last_task_id = ? WHERE id = ?",
            [next.map { .int($0) } ?? .null, .int(next == nil ? 0 : 1), .text(jobId), .text(id)])
        return run
    }

    /// Queues the schedule's run at `millis`, or at its next free time when a job of that id
    /// exists already (a run still going from before an upsert); nil when none is left.
    private static func insertRun(of schedule: Schedule, at millis: Int64, in connection: SQLiteConnection) throws -> Int64? {
        var run: Int64? = millis
        var tries = 0
        while let candidate = run {
            let id = ScheduleRun.taskId(schedule: schedule.id, at: candidate)
            if try connection.query("SELECT 1 AS v FROM queue_jobs WHERE id = ?", [.text(id)]).isEmpty {
                let job = NewJob(id: id, taskType: schedule.taskType, parametersJSON: schedule.parameters.serialized(), options: schedule.options)
                try insert(job, runAt: Double(candidate) / 1000, scheduleId: schedule.id, in: connection)
                return candidate
            }
            tries += 1
            run = tries < 32 ? schedule.timing.runs(after: candidate, count: 1).first : nil
        }
        return nil
    }

    private static func scheduleStatus(_ id: String, in connection: SQLiteConnection) throws -> ScheduleStatus? {
        try connection.query("SELECT * FROM queue_schedules WHERE id = ?", [.text(id)]).first.flatMap(scheduleStatus(from:))
    }

    private static func scheduleStatus(from row: [String: SQLiteValue]) -> ScheduleStatus? {
        guard let id = row["id"]?.text, let definition = row["definition"]?.text,
              let json = try? JSONValue.parse(definition), let schedule = try? Schedule(id: id, json: json) else { return nil }
        return ScheduleStatus(schedule: schedule, nextRun: row["next_run"]?.int, iterationCount: Int(row["iteration_count"]?.int ?? 0),
                              lastTaskId: row["last_task_id"]?.text)
    }
}
