package import Logging

/// The PostgreSQL schema, as versioned migrations applied at start-up (and by
/// `uvian-worker migrate`). A session advisory lock makes workers that start together apply each
/// version once; the others wait, then find nothing to do.
package enum PostgresMigrations {
    package static let versions: [String] = [
        """
        CREATE TABLE tasks (
            id text PRIMARY KEY,
            queue text NOT NULL,
            task_type text NOT NULL,
            status text NOT NULL,
            parameters jsonb NOT NULL,
            options jsonb NOT NULL,
            result jsonb,
            error text,
            progress double precision NOT NULL DEFAULT 0,
            attempts integer NOT NULL DEFAULT 0,
            created_at timestamptz NOT NULL,
            started_at timestamptz,
            finished_at timestamptz,
            updated_at timestamptz NOT NULL,
            run_at timestamptz,
            worker_id text,
            idempotency_key text UNIQUE
        );
        CREATE INDEX tasks_status_created ON tasks (status, created_at DESC);
        CREATE INDEX tasks_type_created ON tasks (task_type, created_at DESC);
        CREATE INDEX tasks_created ON tasks (created_at DESC);
        CREATE INDEX tasks_finished ON tasks (finished_at) WHERE status IN ('completed', 'failed', 'cancelled');
        CREATE TABLE conversations (
            id text PRIMARY KEY,
            title text,
            metadata jsonb NOT NULL DEFAULT '{}',
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL
        );
        CREATE TABLE messages (
            id text PRIMARY KEY,
            conversation_id text NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
            seq integer NOT NULL,
            role text NOT NULL,
            content text NOT NULL,
            metadata jsonb NOT NULL DEFAULT '{}',
            created_at timestamptz NOT NULL,
            UNIQUE (conversation_id, seq)
        );
        """,
        // 2: a flow's child names its parent (issue 21); a parent's children by an index of those that have one.
        """
        ALTER TABLE tasks ADD COLUMN parent_id text;
        CREATE INDEX tasks_parent ON tasks (parent_id) WHERE parent_id IS NOT NULL;
        """,
        // 3: full-text search (issue 22): the words (runs of letters and digits) of each task's type, parameters,
        // result and error (the first TaskSearch.indexedBytes of each), as SQLite's FTS5 index splits them.
        """
        ALTER TABLE tasks ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('simple', regexp_replace(
            task_type || ' ' || left(parameters::text, \(TaskSearch.indexedBytes)) || ' ' || coalesce(left(result::text, \(TaskSearch.indexedBytes)), '')
            || ' ' || coalesce(left(error, \(TaskSearch.indexedBytes)), ''), '[^[:alnum:]]+', ' ', 'g'))) STORED;
        CREATE INDEX tasks_search ON tasks USING gin (search);
        """,
        // 4: what plugins logged for each task (issue 22); removed with the task by the store's deletes.
        """
        CREATE TABLE task_logs (
            task_id text NOT NULL,
            seq bigint NOT NULL,
            at timestamptz NOT NULL,
            level text NOT NULL,
            message text NOT NULL,
            PRIMARY KEY (task_id, seq)
        );
        """,
        // 5: the webhook outbox (issue 22): a task's end is noted by a trigger in the write that ends it.
        PostgresTaskStore.webhookOutbox,
    ]

    /// Applies the missing versions; returns the ones it applied.
    @discardableResult
    package static func apply(on pool: PostgresPool, logger: Logger) async throws -> [Int] {
        let schema = pool.schema
        return try await pool.withConnection { connection in
            // The lock is per schema: two deployments in one database do not wait for each other.
            try connection.query("SELECT pg_advisory_lock(hashtext($1))", ["uvian-worker migrations " + schema])
            defer { _ = try? connection.query("SELECT pg_advisory_unlock(hashtext($1))", ["uvian-worker migrations " + schema]) }
            try connection.execute(script: "CREATE SCHEMA IF NOT EXISTS \(PostgresPool.quoteIdentifier(schema))")
            try connection.execute(script: """
                CREATE TABLE IF NOT EXISTS uvw_schema_migrations (
                    version integer PRIMARY KEY,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """)
            let applied = Set(try connection.query("SELECT version FROM uvw_schema_migrations").rows.compactMap { $0[0].flatMap { Int($0) } })
            var done: [Int] = []
            for (index, sql) in versions.enumerated() where !applied.contains(index + 1) {
                try connection.transaction {
                    try connection.execute(script: sql)
                    try connection.query("INSERT INTO uvw_schema_migrations (version) VALUES ($1)", [String(index + 1)])
                }
                done.append(index + 1)
                logger.info("store.migrated", metadata: ["db.schema": "\(schema)", "db.migration": "\(index + 1)"])
            }
            return done
        }
    }
}
