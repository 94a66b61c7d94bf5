import Foundation

/// An operator's actions on single jobs (retry, promote, remove) and the queue's overview. The
/// embedded queue holds a job only until it ends (its record is the store's), so a retried job is
/// added anew and a finished one has nothing here to remove but a parent's gathered results.
extension SQLiteJobQueue {
    package func requeue(_ job: NewJob) async throws -> Bool {
        try await database.transaction { connection in
            guard try connection.query("SELECT 1 AS v FROM queue_jobs WHERE id = ?", [.text(job.id)]).isEmpty else { return false }
            try Self.insert(job, in: connection)
            return true
        }
    }

    package func promote(id: String) async throws -> Bool {
        try await database.transaction { connection in
            let now = Date().timeIntervalSince1970
            try connection.query(
                "UPDATE queue_jobs SET run_at = ? WHERE id = ? AND lease_until IS NULL AND pending_children = 0 AND run_at > ?",
                [.double(now), .text(id), .double(now)])
            return connection.changes > 0
        }
    }

    package func removeFinished(id: String) async throws -> Bool {
        try await database.transaction { connection in
            guard try connection.query("SELECT 1 AS v FROM queue_jobs WHERE id = ?", [.text(id)]).isEmpty else { return false }
            try connection.query("DELETE FROM queue_flow_results WHERE parent_id = ?", [.text(id)])
            return true
        }
    }

    package func overview() async throws -> QueueOverview {
        try await database.withConnection { connection in
            let now = SQLiteValue.double(Date().timeIntervalSince1970)
            // Waiting: due and not leased, or leased by a worker whose lease ran out (the next
            // fetch takes it again); the time it became runnable is the later of its creation
            // and its due time.
            let row = try connection.query(
                """
                SELECT SUM(CASE WHEN pending_children > 0 THEN 1 ELSE 0 END) AS children,
                       SUM(CASE WHEN pending_children = 0 AND lease_until IS NULL AND run_at > ?1 THEN 1 ELSE 0 END) AS delayed,
                       SUM(CASE WHEN lease_until >= ?1 THEN 1 ELSE 0 END) AS active,
                       SUM(CASE WHEN pending_children = 0 AND ((lease_until IS NULL AND run_at <= ?1) OR lease_until < ?1) THEN 1 ELSE 0 END) AS waiting
                FROM queue_jobs
                """, [now]).first
            let oldest = try connection.query(
                """
                SELECT id, MAX(COALESCE(created_at, run_at), run_at) AS since FROM queue_jobs
                WHERE pending_children = 0 AND ((lease_until IS NULL AND run_at <= ?1) OR lease_until < ?1) ORDER BY since LIMIT 1
                """, [now]).first
            let count = { (name: String) in Int(row?[name]?.int ?? 0) }
            return QueueOverview(
                counts: ["waiting": count("waiting"), "delayed": count("delayed"), "active": count("active"),
                         "waiting-children": count("children")],
                paused: try Self.isPaused(in: connection),
                oldestWaiting: oldest.flatMap { row in
                    row["id"]?.text.flatMap { id in row["since"]?.double.map { (id, Date(timeIntervalSince1970: $0)) } }
                })
        }
    }
}
