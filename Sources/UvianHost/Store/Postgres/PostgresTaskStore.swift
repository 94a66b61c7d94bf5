package import Foundation
import JSON
import Synchronization
package import Logging

/// The store on PostgreSQL (`DATABASE_URL`; Supabase is PostgreSQL): tasks, conversations and
/// messages, with `jsonb` for parameters, results and metadata. Behaves as `SQLiteTaskStore`
/// does; one test suite runs against both. Every value is a bound parameter.
package final class PostgresTaskStore: TaskStore {
    let pool: PostgresPool
    package let kind = "postgres"
    /// Whether this process made sure the webhook trigger exists (`startNoting`).
    let notingStarted = Mutex(false)

    /// Connects and applies the migrations.
    package init(pool: PostgresPool, logger: Logger) async throws {
        self.pool = pool
        try await PostgresMigrations.apply(on: pool, logger: logger)
    }

    static let taskColumns = """
        id, queue, task_type, status, parameters::text AS parameters, options::text AS options, result::text AS result, error,
        progress, attempts, EXTRACT(EPOCH FROM created_at)::float8 AS created_at, EXTRACT(EPOCH FROM started_at)::float8 AS started_at,
        EXTRACT(EPOCH FROM finished_at)::float8 AS finished_at, EXTRACT(EPOCH FROM updated_at)::float8 AS updated_at,
        EXTRACT(EPOCH FROM run_at)::float8 AS run_at, worker_id, parent_id
        """

    package func create(_ record: TaskRecord) async throws -> TaskCreation {
        // Its end is to be noted for its callback: the trigger exists before its row does.
        if record.options.callbackURL != nil { try await startNoting() }
        return try await pool.withConnection { connection in
            let inserted = try connection.query(
                """
                INSERT INTO tasks (id, queue, task_type, status, parameters, options, created_at, updated_at, run_at, idempotency_key, parent_id)
                VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, to_timestamp($7::float8), to_timestamp($8::float8), to_timestamp($9::float8), $10, $11)
                ON CONFLICT DO NOTHING
                """,
                [record.id, record.queue, record.taskType, record.status.rawValue, record.parameters.serialized(),
                 record.options.json.serialized(), Self.seconds(record.createdAt), Self.seconds(record.updatedAt),
                 record.runAt.map(Self.seconds), record.options.idempotencyKey, record.parentId])
            if inserted.affected == 1 { return .created(record) }
            // A conflict: the same idempotency key (or id) is already there.
            let existing = try connection.query(
                "SELECT \(Self.taskColumns) FROM tasks WHERE idempotency_key = $1 OR id = $2 LIMIT 1",
                [record.options.idempotencyKey, record.id])
            guard let row = existing.records.first else { throw PostgresError(message: "insert conflict without a row", sqlState: nil, connectionLost: false) }
            return .existing(try Self.task(row))
        }
    }

    package func children(of id: String) async throws -> [TaskRecord] {
        try await pool.withConnection { connection in
            try connection.query("SELECT \(Self.taskColumns) FROM tasks WHERE parent_id = $1 ORDER BY created_at, id", [id]).records.map(Self.task)
        }
    }

    package func get(id: String) async throws -> TaskRecord? {
        try await pool.withConnection { connection in
            try connection.query("SELECT \(Self.taskColumns) FROM tasks WHERE id = $1", [id]).records.first.map(Self.task)
        }
    }

    package func list(_ query: TaskQuery) async throws -> TaskPage {
        var bindings: [String?] = []
        /// The next placeholder, bound to `value`.
        func bind(_ value: String?) -> String {
            bindings.append(value)
            return "$\(bindings.count)"
        }
        var conditions: [String] = []
        if let status = query.status { conditions.append("status = \(bind(status.rawValue))") }
        if let taskType = query.taskType { conditions.append("task_type = \(bind(taskType))") }
        if let workerId = query.workerId { conditions.append("worker_id = \(bind(workerId))") }
        if let before = query.finishedBefore { conditions.append("finished_at < to_timestamp(\(bind(Self.seconds(before)))::float8)") }
        if let after = query.createdAfter { conditions.append("created_at >= to_timestamp(\(bind(Self.seconds(after)))::float8)") }
        if let before = query.createdBefore { conditions.append("created_at < to_timestamp(\(bind(Self.seconds(before)))::float8)") }
        if let search = query.search { conditions.append("search @@ to_tsquery('simple', \(bind(search.tsQuery)))") }
        for match in query.parameterEquals {
            conditions.append("parameters #>> \(bind("{" + match.path.joined(separator: ",") + "}"))::text[] = \(bind(match.value))")
        }
        let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        let countBindings = bindings
        var page = filter
        if let after = query.after {
            // The cursor's task as stored (its creation time when it was deleted meanwhile).
            let id = bind(after.id)
            let at = "COALESCE((SELECT created_at FROM tasks WHERE id = \(id)), to_timestamp(\(bind(Self.seconds(after.createdAt)))::float8))"
            page += (filter.isEmpty ? " WHERE " : " AND ") + "(created_at < \(at) OR (created_at = \(at) AND id > \(id)))"
        }
        let sql = "SELECT \(Self.taskColumns) FROM tasks" + page + " ORDER BY created_at DESC, id LIMIT \(bind(String(query.limit))) OFFSET \(bind(String(query.offset)))"
        let pageBindings = bindings
        return try await pool.withConnection { connection in
            let total = Int(try connection.query("SELECT COUNT(*) FROM tasks" + filter, countBindings).rows.first?[0] ?? "0") ?? 0
            let rows = try connection.query(sql, pageBindings)
            return TaskPage(tasks: try rows.records.map(Self.task), total: total)
        }
    }

    package func markProcessing(_ starts: [TaskStart], workerId: String, at date: Date) async throws {
        guard !starts.isEmpty else { return }
        let at = Self.seconds(date)
        let rows: [[String?]] = starts.map { start in
            let record = start.record
            return [record.id, record.queue, record.taskType, start.parametersJSON ?? record.parameters.serialized(),
                    record.options.json.serialized(), String(start.attempt), workerId, Self.seconds(record.createdAt), at, record.parentId]
        }
        let write: @Sendable (PostgresConnection) throws -> Void = { connection in
            for row in rows {
                try connection.query(
                    """
                    INSERT INTO tasks (id, queue, task_type, status, parameters, options, progress, attempts, worker_id, created_at,
                        started_at, updated_at, run_at, idempotency_key, parent_id)
                    VALUES ($1, $2, $3, 'processing', $4::jsonb, $5::jsonb, 0, $6, $7, to_timestamp($8::float8),
                        to_timestamp($9::float8), to_timestamp($9::float8), NULL, NULL, $10)
                    ON CONFLICT (id) DO UPDATE SET status = 'processing', attempts = EXCLUDED.attempts, worker_id = EXCLUDED.worker_id,
                        started_at = EXCLUDED.started_at, updated_at = EXCLUDED.updated_at, run_at = NULL, progress = 0
                    """, row)
            }
        }
        // One commit for a batch (several jobs leased together); a single start needs none.
        if rows.count == 1 {
            try await pool.withConnection(write)
        } else {
            try await pool.transaction(write)
        }
    }

    package func updateProgress(id: String, progress: Double) async throws {
        try await pool.withConnection { connection in
            try connection.query("UPDATE tasks SET progress = $1, updated_at = now() WHERE id = $2 AND status = 'processing'",
                                 [String(progress), id])
        }
    }

    package func markFinished(id: String, status: TaskStatus, result: JSONValue?, error: String?, at date: Date, creating: TaskStart?) async throws {
        let values: [String?] = [status.rawValue, result?.serialized(), error, Self.seconds(date), id]
        guard let creating else {
            return try await pool.withConnection { connection in
                try connection.query(
                    """
                    UPDATE tasks SET status = $1, result = $2::jsonb, error = $3, finished_at = to_timestamp($4::float8),
                        updated_at = to_timestamp($4::float8), run_at = NULL,
                        progress = CASE WHEN $1 = 'completed' THEN 1 ELSE progress END
                    WHERE id = $5
                    """, values)
            }
        }
        // One statement: the record is created with the outcome when its start was never written.
        let record = Self.missingRecord(creating)
        // A start that was never written (it waited in a batch): the existing record gets it too.
        let startColumns = creating.startUnwritten
            ? ",\n    attempts = EXCLUDED.attempts, worker_id = EXCLUDED.worker_id, started_at = EXCLUDED.started_at" : ""
        try await pool.withConnection { connection in
            try connection.query(
                """
                INSERT INTO tasks (id, queue, task_type, status, parameters, options, progress, attempts, worker_id, created_at,
                    started_at, result, error, finished_at, updated_at, run_at, idempotency_key, parent_id)
                VALUES ($5, $6, $7, $1, $8::jsonb, $9::jsonb, CASE WHEN $1 = 'completed' THEN 1 ELSE 0 END, $10, $11,
                    to_timestamp($12::float8), to_timestamp($13::float8), $2::jsonb, $3, to_timestamp($4::float8),
                    to_timestamp($4::float8), NULL, NULL, $14)
                ON CONFLICT (id) DO UPDATE SET status = $1, result = $2::jsonb, error = $3, finished_at = to_timestamp($4::float8),
                    updated_at = to_timestamp($4::float8), run_at = NULL,
                    progress = CASE WHEN $1 = 'completed' THEN 1 ELSE tasks.progress END\(startColumns)
                """, values + record)
        }
    }

    /// The columns of a record this store may not have ($6 … $14 after an outcome's five values).
    static func missingRecord(_ start: TaskStart) -> [String?] {
        let record = start.record
        return [record.queue, record.taskType, start.parametersJSON ?? record.parameters.serialized(), record.options.json.serialized(),
                String(start.attempt), start.workerId, seconds(record.createdAt), start.startedAt.map(seconds), record.parentId]
    }

    /// One outcome for `markFinished(_:)`.
    package struct FinishedOutcome: Sendable {
        package var id: String
        package var status: TaskStatus
        package var result: JSONValue?
        package var error: String?
        package var at: Date

        package init(id: String, status: TaskStatus, result: JSONValue?, error: String?, at: Date) {
            (self.id, self.status, self.result, self.error, self.at) = (id, status, result, error, at)
        }
    }

    /// Records many outcomes with one statement per 200 (a round trip per batch, not per task).
    /// The worker writes outcomes one by one today; `uvw-bench store-writes` measures the difference.
    package func markFinished(_ outcomes: [FinishedOutcome]) async throws {
        for start in stride(from: 0, to: outcomes.count, by: 200) {
            let batch = Array(outcomes[start..<min(start + 200, outcomes.count)])
            let rows = batch.indices.map { index in
                let base = index * 5
                return "($\(base + 1), $\(base + 2), $\(base + 3), $\(base + 4), $\(base + 5))"
            }
            let parameters: [String?] = batch.flatMap { outcome in
                [outcome.id, outcome.status.rawValue, outcome.result?.serialized(), outcome.error, Self.seconds(outcome.at)]
            }
            try await pool.withConnection { connection in
                try connection.query(
                    """
                    UPDATE tasks AS t SET status = v.status, result = v.result::jsonb, error = v.error,
                        finished_at = to_timestamp(v.at::float8), updated_at = to_timestamp(v.at::float8), run_at = NULL,
                        progress = CASE WHEN v.status = 'completed' THEN 1 ELSE t.progress END
                    FROM (VALUES \(rows.joined(separator: ", "))) AS v(id, status, result, error, at)
                    WHERE t.id = v.id
                    """,
                    parameters)
            }
        }
    }

    package func markPending(id: String, error: String?, attempts: Int, runAt: Date?, creating: TaskStart?) async throws {
        let values: [String?] = [error, String(attempts), runAt.map(Self.seconds), id]
        guard let creating else {
            return try await pool.withConnection { connection in
                try connection.query(
                    """
                    UPDATE tasks SET status = 'pending', error = $1, attempts = $2, run_at = to_timestamp($3::float8), updated_at = now(),
                        worker_id = NULL WHERE id = $4
                    """, values)
            }
        }
        // The record's columns but the attempt and the worker, which a pending task has as given here.
        let full = Self.missingRecord(creating)
        let record = Array(full[0..<4]) + Array(full[6..<9])
        try await pool.withConnection { connection in
            try connection.query(
                """
                INSERT INTO tasks (id, queue, task_type, status, parameters, options, progress, attempts, worker_id, created_at,
                    started_at, error, updated_at, run_at, idempotency_key, parent_id)
                VALUES ($4, $5, $6, 'pending', $7::jsonb, $8::jsonb, 0, $2, NULL, to_timestamp($9::float8), to_timestamp($10::float8),
                    $1, now(), to_timestamp($3::float8), NULL, $11)
                ON CONFLICT (id) DO UPDATE SET status = 'pending', error = $1, attempts = $2, run_at = to_timestamp($3::float8),
                    updated_at = now(), worker_id = NULL
                """, values + record)
        }
    }

    package func counts() async throws -> [TaskStatus: Int] {
        try await pool.withConnection { connection in
            var counts: [TaskStatus: Int] = [:]
            for row in try connection.query("SELECT status, COUNT(*) FROM tasks GROUP BY status").rows {
                if let status = row[0].flatMap(TaskStatus.init(rawValue:)) { counts[status] = Int(row[1] ?? "0") ?? 0 }
            }
            return counts
        }
    }

    package func deleteFinishedTasks(before date: Date, limit: Int) async throws -> Int {
        try await pool.withConnection { connection in
            try connection.query(
                """
                WITH gone AS (
                    DELETE FROM tasks WHERE id IN (
                        SELECT id FROM tasks WHERE status IN ('completed', 'failed', 'cancelled') AND finished_at < to_timestamp($1::float8)
                        LIMIT $2)
                    RETURNING id),
                    logs AS (DELETE FROM task_logs WHERE task_id IN (SELECT id FROM gone))
                SELECT COUNT(*) FROM gone
                """,
                [Self.seconds(date), String(limit)]).rows.first?[0].flatMap { Int($0) } ?? 0
        }
    }

    package func markRequeued(id: String) async throws -> Bool {
        try await pool.withConnection { connection in
            try connection.query(
                """
                UPDATE tasks SET status = 'pending', result = NULL, error = NULL, progress = 0, attempts = 0, worker_id = NULL,
                    started_at = NULL, finished_at = NULL, run_at = NULL, updated_at = now()
                WHERE id = $1 AND status IN ('completed', 'failed', 'cancelled')
                """, [id]).affected > 0
        }
    }

    package func deleteFinished(id: String) async throws -> Bool {
        try await pool.withConnection { connection in
            try connection.query(
                """
                WITH gone AS (DELETE FROM tasks WHERE id = $1 AND status IN ('completed', 'failed', 'cancelled') RETURNING id),
                    logs AS (DELETE FROM task_logs WHERE task_id IN (SELECT id FROM gone))
                SELECT COUNT(*) FROM gone
                """, [id]).rows.first?[0] != "0"
        }
    }

    package func throughput(since: Date, bucketSeconds: Int) async throws -> [ThroughputBucket] {
        try await pool.withConnection { connection in
            try connection.query(
                """
                SELECT floor(EXTRACT(EPOCH FROM finished_at) / $1::int)::bigint * $1::int, count(*) FILTER (WHERE status = 'completed'),
                    count(*) FILTER (WHERE status = 'failed')
                FROM tasks WHERE finished_at >= to_timestamp($2::float8) GROUP BY 1 ORDER BY 1
                """, [String(bucketSeconds), Self.seconds(since)]
            ).rows.map { row in
                ThroughputBucket(start: row[0].flatMap { Int($0) } ?? 0, completed: row[1].flatMap { Int($0) } ?? 0, failed: row[2].flatMap { Int($0) } ?? 0)
            }
        }
    }

    package func appendLogs(id: String, _ lines: [TaskLogLine]) async throws {
        guard !lines.isEmpty else { return }
        // One statement: the lines numbered after the task's last, then its oldest beyond the cap removed.
        let ats = "{" + lines.map { Self.seconds($0.at) }.joined(separator: ",") + "}"
        let levels = Self.textArray(lines.map(\.level))
        let messages = Self.textArray(lines.map(\.message))
        try await pool.withConnection { connection in
            try connection.query(
                """
                WITH last AS (SELECT COALESCE(MAX(seq), 0) AS n FROM task_logs WHERE task_id = $1),
                    added AS (
                        INSERT INTO task_logs (task_id, seq, at, level, message)
                        SELECT $1, last.n + line.ord, to_timestamp(line.at), line.level, line.message
                        FROM last, unnest($2::float8[], $3::text[], $4::text[]) WITH ORDINALITY AS line (at, level, message, ord)
                        RETURNING seq)
                DELETE FROM task_logs WHERE task_id = $1 AND seq <= (SELECT MAX(seq) FROM added) - $5
                """, [id, ats, levels, messages, String(TaskLogLine.maxPerTask)])
        }
    }

    package func logs(id: String, limit: Int, offset: Int) async throws -> (lines: [TaskLogLine], total: Int) {
        try await pool.withConnection { connection in
            let total = Int(try connection.query("SELECT COUNT(*) FROM task_logs WHERE task_id = $1", [id]).rows.first?[0] ?? "0") ?? 0
            let rows = try connection.query(
                "SELECT EXTRACT(EPOCH FROM at)::float8, level, message FROM task_logs WHERE task_id = $1 ORDER BY seq LIMIT $2 OFFSET $3",
                [id, String(limit), String(offset)]).rows
            let lines = rows.map { row in
                TaskLogLine(at: Date(timeIntervalSince1970: Double(row[0] ?? "0") ?? 0), level: row[1] ?? "info", message: row[2] ?? "")
            }
            return (lines, total)
        }
    }

    /// A PostgreSQL array literal of texts, each quoted (backslashes and quotes escaped).
    static func textArray(_ values: [String]) -> String {
        "{" + values.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
            .joined(separator: ",") + "}"
    }

    package func countsByType() async throws -> [String: [TaskStatus: Int]] {
        try await pool.withConnection { connection in
            var counts: [String: [TaskStatus: Int]] = [:]
            for row in try connection.query("SELECT task_type, status, COUNT(*) FROM tasks GROUP BY task_type, status").rows {
                guard let type = row[0], let status = row[1].flatMap(TaskStatus.init(rawValue:)) else { continue }
                counts[type, default: [:]][status] = Int(row[2] ?? "0") ?? 0
            }
            return counts
        }
    }

    // MARK: - Conversations and messages

    static let conversationColumns = """
        id, title, metadata::text AS metadata, EXTRACT(EPOCH FROM created_at)::float8 AS created_at,
        EXTRACT(EPOCH FROM updated_at)::float8 AS updated_at
        """

    package func createConversation(_ conversation: Conversation) async throws -> Conversation {
        try await pool.withConnection { connection in
            try connection.query(
                """
                INSERT INTO conversations (id, title, metadata, created_at, updated_at)
                VALUES ($1, $2, $3::jsonb, to_timestamp($4::float8), to_timestamp($5::float8))
                """,
                [conversation.id, conversation.title, conversation.metadata.serialized(), Self.seconds(conversation.createdAt),
                 Self.seconds(conversation.updatedAt)])
            return conversation
        }
    }

    package func conversation(id: String) async throws -> Conversation? {
        try await pool.withConnection { connection in
            try connection.query("SELECT \(Self.conversationColumns) FROM conversations WHERE id = $1", [id]).records.first.map(Self.conversation)
        }
    }

    package func appendMessage(_ message: NewMessage) async throws -> Message {
        try await pool.transaction { connection in
            // Locking the conversation row serialises appends to it, so `seq` never collides.
            guard !(try connection.query("SELECT 1 FROM conversations WHERE id = $1 FOR UPDATE", [message.conversationId]).rows.isEmpty) else {
                throw ConversationNotFound(id: message.conversationId)
            }
            let next = Int(try connection.query("SELECT COALESCE(MAX(seq), 0) + 1 FROM messages WHERE conversation_id = $1",
                                                [message.conversationId]).rows.first?[0] ?? "1") ?? 1
            let stored = Message(id: UUID().uuidString.lowercased(), conversationId: message.conversationId, seq: next, role: message.role,
                                 content: message.content, metadata: message.metadata, createdAt: Date())
            try connection.query(
                """
                INSERT INTO messages (id, conversation_id, seq, role, content, metadata, created_at)
                VALUES ($1, $2, $3, $4, $5, $6::jsonb, to_timestamp($7::float8))
                """,
                [stored.id, stored.conversationId, String(next), stored.role, stored.content, stored.metadata.serialized(),
                 Self.seconds(stored.createdAt)])
            try connection.query("UPDATE conversations SET updated_at = to_timestamp($1::float8) WHERE id = $2",
                                 [Self.seconds(stored.createdAt), stored.conversationId])
            return stored
        }
    }

    package func messages(conversationId: String, limit: Int) async throws -> [Message] {
        try await pool.withConnection { connection in
            guard !(try connection.query("SELECT 1 FROM conversations WHERE id = $1", [conversationId]).rows.isEmpty) else {
                throw ConversationNotFound(id: conversationId)
            }
            let rows = try connection.query(
                """
                SELECT * FROM (
                    SELECT id, conversation_id, seq, role, content, metadata::text AS metadata,
                           EXTRACT(EPOCH FROM created_at)::float8 AS created_at
                    FROM messages WHERE conversation_id = $1 ORDER BY seq DESC LIMIT $2) AS latest
                ORDER BY seq
                """,
                [conversationId, String(limit)])
            return try rows.records.map(Self.message)
        }
    }

    // MARK: - Rows

    static func seconds(_ date: Date) -> String { String(date.timeIntervalSince1970) }

    static func date(_ value: String??) -> Date? {
        value.flatMap { $0 }.flatMap(Double.init).map { Date(timeIntervalSince1970: $0) }
    }

    static func task(_ row: [String: String?]) throws -> TaskRecord {
        let options = JobOptions(stored: (try? JSONValue.parse(row["options"].flatMap { $0 } ?? "{}")) ?? .object([:]))
        var record = TaskRecord(
            id: row["id"].flatMap { $0 } ?? "", queue: row["queue"].flatMap { $0 } ?? "", taskType: row["task_type"].flatMap { $0 } ?? "",
            parameters: try JSONValue.parse(row["parameters"].flatMap { $0 } ?? "null"), options: options,
            createdAt: date(row["created_at"]) ?? Date(timeIntervalSince1970: 0))
        record.status = row["status"].flatMap { $0 }.flatMap(TaskStatus.init(rawValue:)) ?? .pending
        record.result = try row["result"].flatMap { $0 }.map { try JSONValue.parse($0) }
        record.error = row["error"].flatMap { $0 }
        record.progress = row["progress"].flatMap { $0 }.flatMap(Double.init) ?? 0
        record.attempts = row["attempts"].flatMap { $0 }.flatMap(Int.init) ?? 0
        record.startedAt = date(row["started_at"])
        record.finishedAt = date(row["finished_at"])
        record.updatedAt = date(row["updated_at"]) ?? record.createdAt
        record.runAt = date(row["run_at"])
        record.workerId = row["worker_id"].flatMap { $0 }
        record.parentId = row["parent_id"].flatMap { $0 }
        return record
    }

    static func conversation(_ row: [String: String?]) throws -> Conversation {
        var conversation = Conversation(
            id: row["id"].flatMap { $0 } ?? "", title: row["title"].flatMap { $0 },
            metadata: try JSONValue.parse(row["metadata"].flatMap { $0 } ?? "{}"), createdAt: date(row["created_at"]) ?? Date(timeIntervalSince1970: 0))
        conversation.updatedAt = date(row["updated_at"]) ?? conversation.createdAt
        return conversation
    }

    static func message(_ row: [String: String?]) throws -> Message {
        Message(
            id: row["id"].flatMap { $0 } ?? "", conversationId: row["conversation_id"].flatMap { $0 } ?? "",
            seq: row["seq"].flatMap { $0 }.flatMap(Int.init) ?? 0, role: row["role"].flatMap { $0 } ?? "",
            content: row["content"].flatMap { $0 } ?? "", metadata: try JSONValue.parse(row["metadata"].flatMap { $0 } ?? "{}"),
            createdAt: date(row["created_at"]) ?? Date(timeIntervalSince1970: 0))
    }
}
