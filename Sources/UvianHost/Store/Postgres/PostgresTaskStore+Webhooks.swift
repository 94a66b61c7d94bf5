package import Foundation

/// The webhook outbox on PostgreSQL, as on SQLite (`SQLiteTaskStore+Webhooks`): a trigger (made on
/// first use) notes a task's end in the write that ends it; deliveries are claimed with `SKIP LOCKED`.
extension PostgresTaskStore: WebhookOutbox {
    static let webhookOutbox = """
        CREATE TABLE webhook_settings (key text PRIMARY KEY, value text NOT NULL);
        CREATE TABLE task_notifications (task_id text PRIMARY KEY, status text NOT NULL, at float8 NOT NULL);
        CREATE TABLE webhook_deliveries (
            id text PRIMARY KEY,
            task_id text NOT NULL,
            url text NOT NULL,
            event text NOT NULL,
            payload text NOT NULL,
            state text NOT NULL,
            attempts integer NOT NULL DEFAULT 0,
            next_attempt_at float8 NOT NULL,
            last_status integer,
            last_error text,
            created_at float8 NOT NULL,
            updated_at float8 NOT NULL
        );
        CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
        CREATE INDEX webhook_deliveries_task ON webhook_deliveries (task_id);
        CREATE INDEX webhook_deliveries_failed ON webhook_deliveries (updated_at) WHERE state = 'failed';
        CREATE FUNCTION uvw_note_finished_task() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.status IN ('completed', 'failed', 'cancelled')
                AND (TG_OP = 'INSERT' OR OLD.status NOT IN ('completed', 'failed', 'cancelled'))
                AND (EXISTS (SELECT 1 FROM webhook_settings WHERE key = 'every_task') OR NEW.options ? 'callback_url') THEN
                INSERT INTO task_notifications (task_id, status, at) VALUES (NEW.id, NEW.status, EXTRACT(EPOCH FROM clock_timestamp()))
                ON CONFLICT (task_id) DO UPDATE SET status = EXCLUDED.status, at = EXCLUDED.at;
            END IF;
            RETURN NULL;
        END
        $$;
        """

    /// The trigger, made on first use (as on SQLite: a store without webhooks pays nothing per task).
    static let noteTrigger =
        "CREATE OR REPLACE TRIGGER tasks_note_finished AFTER INSERT OR UPDATE OF status ON tasks FOR EACH ROW EXECUTE FUNCTION uvw_note_finished_task()"

    /// Creates the trigger once per process (a no-op after that; `CREATE OR REPLACE` takes a lock on the table).
    func startNoting() async throws {
        guard !notingStarted.withLock({ $0 }) else { return }
        try await pool.withConnection { connection in try connection.query(Self.noteTrigger) }
        notingStarted.withLock { $0 = true }
    }

    package func noteEveryFinishedTask(_ every: Bool) async throws {
        if every { try await startNoting() }
        try await pool.withConnection { connection in
            if every {
                try connection.query("INSERT INTO webhook_settings (key, value) VALUES ('every_task', '1') ON CONFLICT (key) DO NOTHING")
            } else {
                try connection.query("DELETE FROM webhook_settings WHERE key = 'every_task'")
            }
        }
    }

    package func notifications(limit: Int) async throws -> [WebhookNotification] {
        try await pool.withConnection { connection in
            try connection.query("SELECT task_id, status, at FROM task_notifications ORDER BY at LIMIT $1", [String(limit)]).rows.compactMap { row in
                guard let id = row[0], let status = row[1], let at = row[2].flatMap(Double.init) else { return nil }
                return WebhookNotification(taskId: id, status: status, at: at)
            }
        }
    }

    package func addDeliveries(_ deliveries: [WebhookDelivery], clearing notifications: [WebhookNotification]) async throws {
        try await pool.transaction { connection in
            for delivery in deliveries {
                try connection.query(
                    """
                    INSERT INTO webhook_deliveries (id, task_id, url, event, payload, state, attempts, next_attempt_at, created_at, updated_at)
                    VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $7, $8) ON CONFLICT (id) DO NOTHING
                    """,
                    [delivery.id, delivery.taskId, delivery.url, delivery.event, delivery.payload, Self.seconds(delivery.nextAttemptAt),
                     Self.seconds(delivery.createdAt), Self.seconds(delivery.updatedAt)])
            }
            // Only the note these came from: a newer end of the same task (retried meanwhile) stays.
            for note in notifications {
                try connection.query("DELETE FROM task_notifications WHERE task_id = $1 AND at = $2", [note.taskId, String(note.at)])
            }
        }
    }

    package func claimDueDeliveries(now: Date, lease: Duration, limit: Int) async throws -> [WebhookDelivery] {
        try await pool.withConnection { connection in
            try connection.query(
                """
                UPDATE webhook_deliveries SET next_attempt_at = $1, attempts = attempts + 1
                WHERE id IN (SELECT id FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= $2
                             ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
                RETURNING \(Self.deliveryColumns)
                """,
                [String(now.timeIntervalSince1970 + lease.inSeconds), Self.seconds(now), String(limit)]
            ).rows.map(Self.delivery(from:))
        }
    }

    package func recordAttempt(id: String, _ attempt: WebhookAttempt) async throws {
        let (state, next, status, error): (String, Date?, Int?, String?) = switch attempt {
        case .delivered(let status): ("delivered", nil, status, nil)
        case .retry(let at, let status, let error): ("pending", at, status, error)
        case .failed(let status, let error): ("failed", nil, status, error)
        }
        try await pool.withConnection { connection in
            try connection.query(
                """
                UPDATE webhook_deliveries SET state = $1, next_attempt_at = COALESCE($2::float8, next_attempt_at), last_status = $3::integer,
                    last_error = $4, updated_at = EXTRACT(EPOCH FROM clock_timestamp()) WHERE id = $5
                """, [state, next.map(Self.seconds), status.map(String.init), error, id])
        }
    }

    package func deliveries(taskId: String) async throws -> [WebhookDelivery] {
        try await pool.withConnection { connection in
            try connection.query("SELECT \(Self.deliveryColumns) FROM webhook_deliveries WHERE task_id = $1 ORDER BY created_at, url", [taskId])
                .rows.map(Self.delivery(from:))
        }
    }

    package func failedDeliveries(limit: Int) async throws -> [WebhookDelivery] {
        try await pool.withConnection { connection in
            try connection.query("SELECT \(Self.deliveryColumns) FROM webhook_deliveries WHERE state = 'failed' ORDER BY updated_at DESC LIMIT $1",
                                 [String(limit)]).rows.map(Self.delivery(from:))
        }
    }

    package func nextDeliveryDue() async throws -> Date? {
        try await pool.withConnection { connection in
            try connection.query("SELECT MIN(next_attempt_at) FROM webhook_deliveries WHERE state = 'pending'").rows.first?[0]
                .flatMap(Double.init).map { Date(timeIntervalSince1970: $0) }
        }
    }

    private static let deliveryColumns =
        "id, task_id, url, event, payload, state, attempts, next_attempt_at, last_status, last_error, created_at, updated_at"

    private static func delivery(from row: [String?]) -> WebhookDelivery {
        func double(_ index: Int) -> Double { row[index].flatMap(Double.init) ?? 0 }
        var delivery = WebhookDelivery(id: row[0] ?? "", taskId: row[1] ?? "", url: row[2] ?? "", event: row[3] ?? "", payload: row[4] ?? "",
                                       at: Date(timeIntervalSince1970: double(10)))
        delivery.state = WebhookDelivery.State(rawValue: row[5] ?? "") ?? .pending
        delivery.attempts = row[6].flatMap { Int($0) } ?? 0
        delivery.nextAttemptAt = Date(timeIntervalSince1970: double(7))
        delivery.lastStatus = row[8].flatMap { Int($0) }
        delivery.lastError = row[9]
        delivery.updatedAt = Date(timeIntervalSince1970: double(11))
        return delivery
    }
}
