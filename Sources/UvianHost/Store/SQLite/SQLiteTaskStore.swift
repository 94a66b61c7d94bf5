package import Foundation
import JSON

/// The embedded store: tasks, conversations and messages in the SQLite file under `DATA_DIR`.
package final class SQLiteTaskStore: TaskStore, CallbackFinishStore {
    let database: SQLiteDatabase
    package let kind = "sqlite"

    package init(database: SQLiteDatabase) async throws {
        self.database = database
        try await database.withConnection { connection in try Self.migrate(connection) }
    }

    /// Versioned migrations, tracked in SQLite's `user_version`; each runs once, in order, inside
    /// the write lock, so workers starting together on one file apply it once.
    static let migrations: [String] = [schema, finishedIndex, parentColumn, searchIndex, logsTable, webhookOutbox]

    static func migrate(_ connection: SQLiteConnection) throws {
        try connection.transaction {
            let current = Int(try connection.query("PRAGMA user_version").first?["user_version"]?.int ?? 0)
            guard current < migrations.count else { return }
            for version in current..<migrations.count {
                try connection.execute(migrations[version])
            }
            try connection.execute("PRAGMA user_version = \(migrations.count)")
        }
    }

    package static let schema = """
        CREATE TABLE IF NOT EXISTS tasks (
            id TEXT PRIMARY KEY,
            queue TEXT NOT NULL,
            task_type TEXT NOT NULL,
            status TEXT NOT NULL,
            parameters TEXT NOT NULL,
            options TEXT NOT NULL,
            result TEXT,
            error TEXT,
            progress REAL NOT NULL DEFAULT 0,
            attempts INTEGER NOT NULL DEFAULT 0,
            created_at REAL NOT NULL,
            started_at REAL,
            finished_at REAL,
            updated_at REAL NOT NULL,
            run_at REAL,
            worker_id TEXT,
            idempotency_key TEXT UNIQUE
        );
        CREATE INDEX IF NOT EXISTS tasks_status_created ON tasks (status, created_at);
        CREATE INDEX IF NOT EXISTS tasks_type_created ON tasks (task_type, created_at);
        CREATE INDEX IF NOT EXISTS tasks_created ON tasks (created_at);
        CREATE INDEX IF NOT EXISTS tasks_finished ON tasks (status, finished_at);
        CREATE TABLE IF NOT EXISTS conversations (
            id TEXT PRIMARY KEY,
            title TEXT,
            metadata TEXT NOT NULL DEFAULT '{}',
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        );
        CREATE TABLE IF NOT EXISTS messages (
            id TEXT PRIMARY KEY,
            conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            role TEXT NOT NULL,
            content TEXT NOT NULL,
            metadata TEXT NOT NULL DEFAULT '{}',
            created_at REAL NOT NULL,
            UNIQUE (conversation_id, seq)
        );
        """

    /// Version 2: the clean-up's index holds finished tasks only. Indexed on status too, as
    /// before, every task entered it when created and moved in it at each status change, three
    /// index writes per job for a query run once an hour.
    /// Version 3: a flow's child names its parent (issue 21), and a parent's children are found
    /// by an index of the tasks that have one.
    static let parentColumn = """
        ALTER TABLE tasks ADD COLUMN parent_id TEXT;
        CREATE INDEX IF NOT EXISTS tasks_parent ON tasks (parent_id) WHERE parent_id IS NOT NULL;
        """

    /// Version 4: full-text search (issue 22): an FTS5 index of each task's type, parameters,
    /// result and error (their first `TaskSearch.indexedBytes`), words only (`detail='none'`: a
    /// query is words, never phrases). A write that changes those sets `search_dirty`; the index
    /// takes dirty rows in batches (`indexForSearch`: when `SearchIndexing` finds it due, and
    /// before each search), off the job's path: kept by triggers, it cost a no-op job ~160 µs of
    /// worker CPU.
    static let searchIndex = """
        ALTER TABLE tasks ADD COLUMN search_dirty INTEGER;
        CREATE INDEX tasks_search_dirty ON tasks (search_dirty) WHERE search_dirty IS NOT NULL;
        CREATE VIRTUAL TABLE tasks_fts USING fts5(task_type, parameters, result, error, tokenize='unicode61 remove_diacritics 0',
            detail='none');
        UPDATE tasks SET search_dirty = 1;
        """

    /// Version 5: what plugins logged for each task (issue 22), removed with the task.
    static let logsTable = """
        CREATE TABLE task_logs (
            task_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            at REAL NOT NULL,
            level TEXT NOT NULL,
            message TEXT NOT NULL,
            PRIMARY KEY (task_id, seq)
        ) WITHOUT ROWID;
        """

    /// Removes what belongs to deleted tasks: their search entries and logs.
    static func forget(taskIds: [String], rowids: [Int64], in connection: SQLiteConnection) throws {
        for rowid in rowids { try connection.query("DELETE FROM tasks_fts WHERE rowid = ?", [.int(rowid)]) }
        for id in taskIds { try connection.query("DELETE FROM task_logs WHERE task_id = ?", [.text(id)]) }
    }

    /// Indexes up to `limit` tasks whose indexed columns changed; returns how many. In the write
    /// transaction, so no write comes between reading a row and marking it indexed. Set-based, in
    /// four statements whatever the batch: row by row (three statements and a decoded row each)
    /// it cost twice the CPU per task.
    static func indexForSearch(limit: Int, in connection: SQLiteConnection) throws -> Int {
        let cap = TaskSearch.indexedBytes
        try connection.query("CREATE TEMP TABLE IF NOT EXISTS search_batch (id INTEGER PRIMARY KEY)")
        try connection.query("INSERT INTO temp.search_batch SELECT rowid FROM tasks WHERE search_dirty IS NOT NULL LIMIT ?", [.int(Int64(limit))])
        let count = connection.changes
        guard count > 0 else { return 0 }
        try connection.query("DELETE FROM tasks_fts WHERE rowid IN (SELECT id FROM temp.search_batch)")
        try connection.query(
            """
            INSERT INTO tasks_fts (rowid, task_type, parameters, result, error)
            SELECT rowid, task_type, substr(parameters, 1, \(cap)), substr(result, 1, \(cap)), substr(error, 1, \(cap))
            FROM tasks WHERE rowid IN (SELECT id FROM temp.search_batch)
            """)
        try connection.query("UPDATE tasks SET search_dirty = NULL WHERE rowid IN (SELECT id FROM temp.search_batch)")
        try connection.query("DELETE FROM temp.search_batch")
        return count
    }

    package func indexForSearch() async throws {
        let batch = 5000
        while try await database.transaction({ connection in try Self.indexForSearch(limit: batch, in: connection) }) == batch {}
    }

    package func searchBacklog() async throws -> Int {
        try await database.withConnection { connection in
            Int(try connection.query("SELECT count(*) AS n FROM tasks WHERE search_dirty IS NOT NULL").first?["n"]?.int ?? 0)
        }
    }

    static let finishedIndex = """
        DROP INDEX IF EXISTS tasks_finished;
        CREATE INDEX IF NOT EXISTS tasks_finished_at ON tasks (finished_at) WHERE finished_at IS NOT NULL;
        """

    package func create(_ record: TaskRecord) async throws -> TaskCreation {
        let insert = Self.Insert(record)
        return try await database.transaction { connection in try Self.create(insert, in: connection) }
    }

    /// A record to create, with its bindings made before the write reaches the database thread
    /// (the one thread every write waits for): the JSON columns are serialised by the caller.
    struct Insert: Sendable {
        let record: TaskRecord
        let bindings: [SQLiteValue]

        /// `parametersJSON`: the parameters already serialised, when the caller has them.
        init(_ record: TaskRecord, parametersJSON: String? = nil) {
            self.record = record
            bindings = [
                .text(record.id), .text(record.queue), .text(record.taskType), .text(record.status.rawValue),
                .text(parametersJSON ?? record.parameters.serialized()), .text(record.options.json.serialized()),
                .double(record.createdAt.timeIntervalSince1970), .double(record.updatedAt.timeIntervalSince1970),
                record.runAt.map { .double($0.timeIntervalSince1970) } ?? .null,
                record.options.idempotencyKey.map { .text($0) } ?? .null,
            ]
        }
    }

    /// The record, unless a task with its idempotency key exists (then that one). With
    /// `startedBy`, the task is recorded processing (its first attempt) by that worker, as of `at`.
    static func create(_ insert: Insert, startedBy start: (workerId: String, at: Date)? = nil, in connection: SQLiteConnection) throws -> TaskCreation {
        if let key = insert.record.options.idempotencyKey,
           let row = try connection.query("SELECT * FROM tasks WHERE idempotency_key = ?", [.text(key)]).first {
            return .existing(try Self.record(from: row))
        }
        // Its end is to be noted for its callback: the triggers exist before its row does.
        if insert.record.options.callbackURL != nil { try startNoting(in: connection) }
        var bindings = insert.bindings
        if let start {
            bindings[3] = .text(TaskStatus.processing.rawValue)
            bindings += [.int(1), .text(start.workerId), .double(start.at.timeIntervalSince1970)]
        } else {
            bindings += [.int(0), .null, .null]
        }
        bindings.append(insert.record.parentId.map { .text($0) } ?? .null)
        try connection.query(
            """
            INSERT INTO tasks (id, queue, task_type, status, parameters, options, progress, created_at, updated_at, run_at, idempotency_key,
                attempts, worker_id, started_at, parent_id, search_dirty)
            VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, 1)
            """,
            bindings)
        return .created(insert.record)
    }

    package func children(of id: String) async throws -> [TaskRecord] {
        try await database.withConnection { connection in
            try connection.query("SELECT * FROM tasks WHERE parent_id = ? ORDER BY created_at, id", [.text(id)]).map(Self.record(from:))
        }
    }

    package func get(id: String) async throws -> TaskRecord? {
        try await database.withConnection { connection in
            try connection.query("SELECT * FROM tasks WHERE id = ?", [.text(id)]).first.map(Self.record(from:))
        }
    }

    package func list(_ query: TaskQuery) async throws -> TaskPage {
        // A search sees every write before it: the index catches up first.
        if query.search != nil { try await indexForSearch() }
        return try await database.withConnection { connection in
            let (conditions, bindings) = Self.conditions(query)
            let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
            let total = try connection.query("SELECT COUNT(*) AS n FROM tasks" + filter, bindings).first?["n"]?.int ?? 0
            var page = filter
            var pageBindings = bindings
            if let after = query.after {
                // The cursor's task as stored (its creation time when it was deleted meanwhile).
                let at = "COALESCE((SELECT created_at FROM tasks WHERE id = ?), ?)"
                page += (filter.isEmpty ? " WHERE " : " AND ") + "(created_at < \(at) OR (created_at = \(at) AND id > ?))"
                let cursor: [SQLiteValue] = [.text(after.id), .double(after.createdAt.timeIntervalSince1970)]
                pageBindings += cursor + cursor + [.text(after.id)]
            }
            let rows = try connection.query(
                "SELECT * FROM tasks" + page + " ORDER BY created_at DESC, id LIMIT ? OFFSET ?",
                pageBindings + [.int(Int64(query.limit)), .int(Int64(query.offset))])
            return TaskPage(tasks: try rows.map(Self.record(from:)), total: Int(total))
        }
    }

    /// The query's filters as SQL conditions and their bindings.
    static func conditions(_ query: TaskQuery) -> ([String], [SQLiteValue]) {
        var conditions: [String] = []
        var bindings: [SQLiteValue] = []
        func add(_ condition: String, _ values: SQLiteValue...) {
            conditions.append(condition)
            bindings += values
        }
        if let status = query.status { add("status = ?", .text(status.rawValue)) }
        if let taskType = query.taskType { add("task_type = ?", .text(taskType)) }
        if let workerId = query.workerId { add("worker_id = ?", .text(workerId)) }
        if let before = query.finishedBefore { add("finished_at < ?", .double(before.timeIntervalSince1970)) }
        if let after = query.createdAfter { add("created_at >= ?", .double(after.timeIntervalSince1970)) }
        if let before = query.createdBefore { add("created_at < ?", .double(before.timeIntervalSince1970)) }
        if let search = query.search { add("rowid IN (SELECT rowid FROM tasks_fts WHERE tasks_fts MATCH ?)", .text(search.fts5Query)) }
        for match in query.parameterEquals {
            // The field's text as JSON writes it: json_extract gives booleans as 1 and 0.
            let path = "$." + match.path.map { "\"\($0)\"" }.joined(separator: ".")
            add("(CASE json_type(parameters, ?) WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE CAST(json_extract(parameters, ?) AS TEXT) END) = ?",
                .text(path), .text(path), .text(match.value))
        }
        return (conditions, bindings)
    }

    package func markProcessing(_ starts: [TaskStart], workerId: String, at date: Date) async throws {
        guard !starts.isEmpty else { return }
        let at = SQLiteValue.double(date.timeIntervalSince1970)
        let rows: [[SQLiteValue]] = starts.map { start in
            let record = start.record
            return [
                .text(record.id), .text(record.queue), .text(record.taskType), .text(start.parametersJSON ?? record.parameters.serialized()),
                .text(record.options.json.serialized()), .int(Int64(start.attempt)), .text(workerId),
                .double(record.createdAt.timeIntervalSince1970), at, at, record.parentId.map { .text($0) } ?? .null,
            ]
        }
        try await database.transaction { connection in
            for row in rows {
                try connection.query(
                    """
                    INSERT INTO tasks (id, queue, task_type, status, parameters, options, progress, attempts, worker_id, created_at,
                        started_at, updated_at, run_at, idempotency_key, parent_id, search_dirty)
                    VALUES (?, ?, ?, 'processing', ?, ?, 0, ?, ?, ?, ?, ?, NULL, NULL, ?, 1)
                    ON CONFLICT(id) DO UPDATE SET status = 'processing', attempts = excluded.attempts, worker_id = excluded.worker_id,
                        started_at = excluded.started_at, updated_at = excluded.updated_at, run_at = NULL, progress = 0
                    """, row)
            }
        }
    }

    package func updateProgress(id: String, progress: Double) async throws {
        try await database.transaction { connection in
            try connection.query("UPDATE tasks SET progress = ?, updated_at = ? WHERE id = ? AND status = 'processing'",
                                 [.double(progress), .double(Date().timeIntervalSince1970), .text(id)])
        }
    }

    package func markFinished(id: String, status: TaskStatus, result: JSONValue?, error: String?, at date: Date, creating: TaskStart?) async throws {
        try await database.transaction(Self.finishWrite(id: id, status: status, result: result, error: error, at: date, creating: creating))
    }

    /// The same outcome written without a task to resume: `completion` runs on the database
    /// thread once it is committed (see `CallbackFinishStore`).
    package func markFinished(id: String, status: TaskStatus, result: JSONValue?, error: String?, at date: Date, creating: TaskStart?,
                              completion: @escaping @Sendable ((any Error)?) -> Void) {
        database.transaction(Self.finishWrite(id: id, status: status, result: result, error: error, at: date, creating: creating),
                             completion: completion)
    }

    /// An outcome's write: the record created finished if the store has none (one statement: the
    /// usual case of a job another producer queued); else the start recorded if its batch had not
    /// written it, then the outcome.
    private static func finishWrite(id: String, status: TaskStatus, result: JSONValue?, error: String?, at date: Date,
                                    creating: TaskStart?) -> @Sendable (SQLiteConnection) throws -> Void {
        let bindings = finishBindings(id: id, status: status, result: result, error: error, at: date)
        // The outcome's columns as `finishBindings` made them: result, error, finished_at.
        let missing = creating.map {
            missingRecordBindings($0, status: status.rawValue, at: date,
                                  outcome: [bindings[1], bindings[2], bindings[3], .int(status == .completed ? 1 : 0)])
        }
        let unwrittenStart = creating.flatMap { $0.startUnwritten ? $0 : nil }
        return { connection in
            if let missing, try insertIfMissing(missing, in: connection) { return }
            if let start = unwrittenStart, let workerId = start.workerId {
                _ = try markStarted(id: id, attempt: start.attempt, workerId: workerId, at: start.startedAt ?? date, in: connection)
            }
            _ = try markFinished(bindings, returning: false, in: connection)
        }
    }

    /// The bindings of `insertIfMissing`: the record as it would have been started, then its
    /// result, error, end and progress (none yet, unless it is created finished).
    static func missingRecordBindings(_ start: TaskStart, status: String, at date: Date,
                                      outcome: [SQLiteValue] = [.null, .null, .null, .int(0)]) -> [SQLiteValue] {
        let record = start.record
        return [
            .text(record.id), .text(record.queue), .text(record.taskType), .text(status),
            .text(start.parametersJSON ?? record.parameters.serialized()), .text(record.options.json.serialized()),
            .int(Int64(start.attempt)), start.workerId.map { .text($0) } ?? .null, .double(record.createdAt.timeIntervalSince1970),
            start.startedAt.map { .double($0.timeIntervalSince1970) } ?? .null, .double(date.timeIntervalSince1970),
            record.parentId.map { .text($0) } ?? .null,
        ] + outcome
    }

    /// Creates the record of a task this store does not know (its start was never written): as
    /// started, for a write that follows in the same transaction, or finished already.
    /// Returns whether it created the record.
    @discardableResult
    static func insertIfMissing(_ bindings: [SQLiteValue], in connection: SQLiteConnection) throws -> Bool {
        try connection.query(
            """
            INSERT INTO tasks (id, queue, task_type, status, parameters, options, attempts, worker_id, created_at,
                started_at, updated_at, run_at, idempotency_key, parent_id, search_dirty, result, error, finished_at, progress)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, 1, ?, ?, ?, ?)
            ON CONFLICT(id) DO NOTHING
            """, bindings)
        return connection.changes > 0
    }

    /// The bindings of `markFinished`, made before the write reaches the database thread (the
    /// one thread every write waits for): the result's JSON is serialised by the caller.
    static func finishBindings(id: String, status: TaskStatus, result: JSONValue?, error: String?, at date: Date) -> [SQLiteValue] {
        [
            .text(status.rawValue), result.map { .text($0.serialized()) } ?? .null, error.map { .text($0) } ?? .null,
            .double(date.timeIntervalSince1970), .double(date.timeIntervalSince1970), .text(status.rawValue), .text(id),
        ]
    }

    /// Records a task's outcome; with `returning`, the task's row as it now is (nil: no such
    /// task), for the caller to read with `record(from:)` off the database thread.
    static func markFinished(_ bindings: [SQLiteValue], returning: Bool, in connection: SQLiteConnection) throws -> [String: SQLiteValue]? {
        let update = """
            UPDATE tasks SET status = ?, result = ?, error = ?, finished_at = ?, updated_at = ?, run_at = NULL, search_dirty = 1,
                progress = CASE WHEN ? = 'completed' THEN 1 ELSE progress END
            WHERE id = ?
            """
        return try connection.query(returning ? update + " RETURNING *" : update, bindings).first
    }

    /// Marks a task that has a record processing; false when it has none (a job another
    /// producer queued), which `markProcessing` then creates.
    static func markStarted(id: String, attempt: Int, workerId: String, at date: Date, in connection: SQLiteConnection) throws -> Bool {
        try connection.query(
            """
            UPDATE tasks SET status = 'processing', attempts = ?, worker_id = ?, started_at = ?, updated_at = ?, run_at = NULL, progress = 0
            WHERE id = ?
            """,
            [.int(Int64(attempt)), .text(workerId), .double(date.timeIntervalSince1970), .double(date.timeIntervalSince1970), .text(id)])
        return connection.changes > 0
    }

    package func markPending(id: String, error: String?, attempts: Int, runAt: Date?, creating: TaskStart?) async throws {
        let missing = creating.map { Self.missingRecordBindings($0, status: TaskStatus.pending.rawValue, at: Date()) }
        try await database.transaction { connection in
            if let missing { try Self.insertIfMissing(missing, in: connection) }
            try connection.query(
                "UPDATE tasks SET status = 'pending', error = ?, attempts = ?, run_at = ?, updated_at = ?, worker_id = NULL, search_dirty = 1 WHERE id = ?",
                [error.map { .text($0) } ?? .null, .int(Int64(attempts)), runAt.map { .double($0.timeIntervalSince1970) } ?? .null,
                 .double(Date().timeIntervalSince1970), .text(id)])
        }
    }

    package func counts() async throws -> [TaskStatus: Int] {
        try await database.withConnection { connection in
            var counts: [TaskStatus: Int] = [:]
            for row in try connection.query("SELECT status, COUNT(*) AS n FROM tasks GROUP BY status") {
                if let status = row["status"]?.text.flatMap(TaskStatus.init(rawValue:)) { counts[status] = Int(row["n"]?.int ?? 0) }
            }
            return counts
        }
    }

    package func deleteFinishedTasks(before date: Date, limit: Int) async throws -> Int {
        try await database.transaction { connection in
            let gone = try connection.query(
                """
                DELETE FROM tasks WHERE id IN (
                    SELECT id FROM tasks WHERE finished_at < ? AND status IN ('completed', 'failed', 'cancelled') LIMIT ?)
                RETURNING id, rowid
                """,
                [.double(date.timeIntervalSince1970), .int(Int64(limit))])
            try Self.forget(taskIds: gone.compactMap { $0["id"]?.text }, rowids: gone.compactMap { $0["rowid"]?.int }, in: connection)
            return gone.count
        }
    }

    package func markRequeued(id: String) async throws -> Bool {
        try await database.transaction { connection in
            try connection.query(
                """
                UPDATE tasks SET status = 'pending', result = NULL, error = NULL, progress = 0, attempts = 0, worker_id = NULL,
                    started_at = NULL, finished_at = NULL, run_at = NULL, updated_at = ?, search_dirty = 1
                WHERE id = ? AND status IN ('completed', 'failed', 'cancelled')
                """, [.double(Date().timeIntervalSince1970), .text(id)])
            return connection.changes > 0
        }
    }

    package func deleteFinished(id: String) async throws -> Bool {
        try await database.transaction { connection in
            let gone = try connection.query("DELETE FROM tasks WHERE id = ? AND status IN ('completed', 'failed', 'cancelled') RETURNING rowid",
                                            [.text(id)])
            try Self.forget(taskIds: gone.isEmpty ? [] : [id], rowids: gone.compactMap { $0["rowid"]?.int }, in: connection)
            return !gone.isEmpty
        }
    }

    package func countsByType() async throws -> [String: [TaskStatus: Int]] {
        try await database.withConnection { connection in
            var counts: [String: [TaskStatus: Int]] = [:]
            for row in try connection.query("SELECT task_type, status, COUNT(*) AS n FROM tasks GROUP BY task_type, status") {
                guard let type = row["task_type"]?.text, let status = row["status"]?.text.flatMap(TaskStatus.init(rawValue:)) else { continue }
                counts[type, default: [:]][status] = Int(row["n"]?.int ?? 0)
            }
            return counts
        }
    }

    package func throughput(since: Date, bucketSeconds: Int) async throws -> [ThroughputBucket] {
        try await database.withConnection { connection in
            try connection.query(
                """
                SELECT CAST(finished_at / ?1 AS INTEGER) * ?1 AS start, SUM(status = 'completed') AS completed, SUM(status = 'failed') AS failed
                FROM tasks WHERE finished_at >= ?2 GROUP BY 1 ORDER BY 1
                """, [.int(Int64(bucketSeconds)), .double(since.timeIntervalSince1970)]
            ).map { row in
                ThroughputBucket(start: Int(row["start"]?.int ?? 0), completed: Int(row["completed"]?.int ?? 0), failed: Int(row["failed"]?.int ?? 0))
            }
        }
    }

    package func appendLogs(id: String, _ lines: [TaskLogLine]) async throws {
        guard !lines.isEmpty else { return }
        try await database.transaction { connection in
            let last = try connection.query("SELECT MAX(seq) AS n FROM task_logs WHERE task_id = ?", [.text(id)]).first?["n"]?.int ?? 0
            for (offset, line) in lines.enumerated() {
                try connection.query("INSERT INTO task_logs (task_id, seq, at, level, message) VALUES (?, ?, ?, ?, ?)",
                                     [.text(id), .int(last + 1 + Int64(offset)), .double(line.at.timeIntervalSince1970), .text(line.level),
                                      .text(line.message)])
            }
            let newest = last + Int64(lines.count)
            if newest > Int64(TaskLogLine.maxPerTask) {
                try connection.query("DELETE FROM task_logs WHERE task_id = ? AND seq <= ?", [.text(id), .int(newest - Int64(TaskLogLine.maxPerTask))])
            }
        }
    }

    package func logs(id: String, limit: Int, offset: Int) async throws -> (lines: [TaskLogLine], total: Int) {
        try await database.withConnection { connection in
            let total = try connection.query("SELECT COUNT(*) AS n FROM task_logs WHERE task_id = ?", [.text(id)]).first?["n"]?.int ?? 0
            let rows = try connection.query("SELECT at, level, message FROM task_logs WHERE task_id = ? ORDER BY seq LIMIT ? OFFSET ?",
                                            [.text(id), .int(Int64(limit)), .int(Int64(offset))])
            let lines = rows.map { row in
                TaskLogLine(at: Date(timeIntervalSince1970: row["at"]?.double ?? 0), level: row["level"]?.text ?? "info",
                            message: row["message"]?.text ?? "")
            }
            return (lines, Int(total))
        }
    }

    // MARK: - Conversations and messages

    package func createConversation(_ conversation: Conversation) async throws -> Conversation {
        try await database.transaction { connection in
            try connection.query(
                "INSERT INTO conversations (id, title, metadata, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                [.text(conversation.id), conversation.title.map { .text($0) } ?? .null, .text(conversation.metadata.serialized()),
                 .double(conversation.createdAt.timeIntervalSince1970), .double(conversation.updatedAt.timeIntervalSince1970)])
            return conversation
        }
    }

    package func conversation(id: String) async throws -> Conversation? {
        try await database.withConnection { connection in
            try connection.query("SELECT * FROM conversations WHERE id = ?", [.text(id)]).first.map(Self.conversation(from:))
        }
    }

    package func appendMessage(_ message: NewMessage) async throws -> Message {
        try await database.transaction { connection in
            guard try !connection.query("SELECT 1 FROM conversations WHERE id = ?", [.text(message.conversationId)]).isEmpty else {
                throw ConversationNotFound(id: message.conversationId)
            }
            let seq = Int(try connection.query("SELECT COALESCE(MAX(seq), 0) + 1 AS next FROM messages WHERE conversation_id = ?",
                                               [.text(message.conversationId)]).first?["next"]?.int ?? 1)
            let stored = Message(id: UUID().uuidString.lowercased(), conversationId: message.conversationId, seq: seq, role: message.role,
                                 content: message.content, metadata: message.metadata, createdAt: Date())
            try connection.query(
                "INSERT INTO messages (id, conversation_id, seq, role, content, metadata, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [.text(stored.id), .text(stored.conversationId), .int(Int64(seq)), .text(stored.role), .text(stored.content),
                 .text(stored.metadata.serialized()), .double(stored.createdAt.timeIntervalSince1970)])
            try connection.query("UPDATE conversations SET updated_at = ? WHERE id = ?",
                                 [.double(stored.createdAt.timeIntervalSince1970), .text(stored.conversationId)])
            return stored
        }
    }

    package func messages(conversationId: String, limit: Int) async throws -> [Message] {
        try await database.withConnection { connection in
            guard try !connection.query("SELECT 1 FROM conversations WHERE id = ?", [.text(conversationId)]).isEmpty else {
                throw ConversationNotFound(id: conversationId)
            }
            let rows = try connection.query(
                "SELECT * FROM (SELECT * FROM messages WHERE conversation_id = ? ORDER BY seq DESC LIMIT ?) ORDER BY seq",
                [.text(conversationId), .int(Int64(limit))])
            return try rows.map(Self.message(from:))
        }
    }

    static func conversation(from row: [String: SQLiteValue]) throws -> Conversation {
        var conversation = Conversation(
            id: row["id"]?.text ?? "", title: row["title"]?.text, metadata: try JSONValue.parse(row["metadata"]?.text ?? "{}"),
            createdAt: Date(timeIntervalSince1970: row["created_at"]?.double ?? 0))
        conversation.updatedAt = Date(timeIntervalSince1970: row["updated_at"]?.double ?? 0)
        return conversation
    }

    static func message(from row: [String: SQLiteValue]) throws -> Message {
        Message(
            id: row["id"]?.text ?? "", conversationId: row["conversation_id"]?.text ?? "", seq: Int(row["seq"]?.int ?? 0),
            role: row["role"]?.text ?? "", content: row["content"]?.text ?? "", metadata: try JSONValue.parse(row["metadata"]?.text ?? "{}"),
            createdAt: Date(timeIntervalSince1970: row["created_at"]?.double ?? 0))
    }

    static func record(from row: [String: SQLiteValue]) throws -> TaskRecord {
        func date(_ key: String) -> Date? { row[key]?.double.map { Date(timeIntervalSince1970: $0) } }
        let optionsJSON = try JSONValue.parse(row["options"]?.text ?? "{}")
        let options = JobOptions(stored: optionsJSON)
        var record = TaskRecord(
            id: row["id"]?.text ?? "", queue: row["queue"]?.text ?? "", taskType: row["task_type"]?.text ?? "",
            parameters: try JSONValue.parse(row["parameters"]?.text ?? "null"), options: options,
            createdAt: date("created_at") ?? Date(timeIntervalSince1970: 0))
        record.status = row["status"]?.text.flatMap(TaskStatus.init(rawValue:)) ?? .pending
        record.result = try row["result"]?.text.map { try JSONValue.parse($0) }
        record.error = row["error"]?.text
        record.progress = row["progress"]?.double ?? 0
        record.attempts = Int(row["attempts"]?.int ?? 0)
        record.startedAt = date("started_at")
        record.finishedAt = date("finished_at")
        record.updatedAt = date("updated_at") ?? record.createdAt
        record.runAt = date("run_at")
        record.workerId = row["worker_id"]?.text
        record.parentId = row["parent_id"]?.text
        return record
    }
}
