package import Foundation

/// The webhook outbox in the embedded store: a trigger notes each task's end in the write that
/// ends it (when `webhook_settings` says every task is delivered, or the task has a callback_url);
/// the dispatcher turns notes into deliveries and sends them. The triggers are made on first use
/// (`N8N_WEBHOOK_URL`, or the first task with a callback_url): even a trigger that notes nothing
/// cost a no-op job about 130 µs of worker CPU, which a store without webhooks does not pay.
extension SQLiteTaskStore: WebhookOutbox {
    /// Version 6 (issue 22): the tables; the triggers are `noteTriggers`.
    static let webhookOutbox = """
        CREATE TABLE webhook_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE task_notifications (task_id TEXT PRIMARY KEY, status TEXT NOT NULL, at REAL NOT NULL);
        CREATE TABLE webhook_deliveries (
            id TEXT PRIMARY KEY,
            task_id TEXT NOT NULL,
            url TEXT NOT NULL,
            event TEXT NOT NULL,
            payload TEXT NOT NULL,
            state TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at REAL NOT NULL,
            last_status INTEGER,
            last_error TEXT,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        );
        CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
        CREATE INDEX webhook_deliveries_task ON webhook_deliveries (task_id);
        CREATE INDEX webhook_deliveries_failed ON webhook_deliveries (updated_at) WHERE state = 'failed';
        """

    static let noteTriggers = """
        CREATE TRIGGER IF NOT EXISTS tasks_notify_update AFTER UPDATE OF status ON tasks
            WHEN new.status IN ('completed', 'failed', 'cancelled') AND old.status NOT IN ('completed', 'failed', 'cancelled')
                AND (EXISTS (SELECT 1 FROM webhook_settings WHERE key = 'every_task') OR json_extract(new.options, '$.callback_url') IS NOT NULL)
        BEGIN
            INSERT OR REPLACE INTO task_notifications (task_id, status, at) VALUES (new.id, new.status, (julianday('now') - 2440587.5) * 86400.0);
        END;
        CREATE TRIGGER IF NOT EXISTS tasks_notify_insert AFTER INSERT ON tasks
            WHEN new.status IN ('completed', 'failed', 'cancelled')
                AND (EXISTS (SELECT 1 FROM webhook_settings WHERE key = 'every_task') OR json_extract(new.options, '$.callback_url') IS NOT NULL)
        BEGIN
            INSERT OR REPLACE INTO task_notifications (task_id, status, at) VALUES (new.id, new.status, (julianday('now') - 2440587.5) * 86400.0);
        END;
        """

    /// Creates the triggers if they are missing (in the transaction that creates a task with a
    /// callback_url, before its row, so its end is noted).
    static func startNoting(in connection: SQLiteConnection) throws {
        try connection.execute(noteTriggers)
    }

    package func noteEveryFinishedTask(_ every: Bool) async throws {
        try await database.transaction { connection in
            if every {
                try Self.startNoting(in: connection)
                try connection.query("INSERT OR REPLACE INTO webhook_settings (key, value) VALUES ('every_task', '1')")
            } else {
                try connection.query("DELETE FROM webhook_settings WHERE key = 'every_task'")
            }
        }
    }

    package func notifications(limit: Int) async throws -> [WebhookNotification] {
        try await database.withConnection { connection in
            try connection.query("SELECT task_id, status, at FROM task_notifications ORDER BY at LIMIT ?", [.int(Int64(limit))]).compactMap { row in
                guard let id = row["task_id"]?.text, let status = row["status"]?.text, let at = row["at"]?.double else { return nil }
                return WebhookNotification(taskId: id, status: status, at: at)
            }
        }
    }

    package func addDeliveries(_ deliveries: [WebhookDelivery], clearing notifications: [WebhookNotification]) async throws {
        try await database.transaction { connection in
            for delivery in deliveries {
                try connection.query(
                    """
                    INSERT OR IGNORE INTO webhook_deliveries (id, task_id, url, event, payload, state, attempts, next_attempt_at, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)
                    """,
                    [.text(delivery.id), .text(delivery.taskId), .text(delivery.url), .text(delivery.event), .text(delivery.payload),
                     .double(delivery.nextAttemptAt.timeIntervalSince1970), .double(delivery.createdAt.timeIntervalSince1970),
                     .double(delivery.updatedAt.timeIntervalSince1970)])
            }
            // Only the note these came from: a newer end of the same task (retried meanwhile) stays.
            for note in notifications {
                try connection.query("DELETE FROM task_notifications WHERE task_id = ? AND at = ?", [.text(note.taskId), .double(note.at)])
            }
        }
    }

    package func claimDueDeliveries(now: Date, lease: Duration, limit: Int) async throws -> [WebhookDelivery] {
        try await database.transaction { connection in
            try connection.query(
                """
                UPDATE webhook_deliveries SET next_attempt_at = ?, attempts = attempts + 1
                WHERE id IN (SELECT id FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?)
                RETURNING *
                """,
                [.double(now.timeIntervalSince1970 + lease.inSeconds), .double(now.timeIntervalSince1970), .int(Int64(limit))]
            ).map(Self.delivery(from:))
        }
    }

    package func recordAttempt(id: String, _ attempt: WebhookAttempt) async throws {
        let now = Date().timeIntervalSince1970
        let (state, next, status, error): (String, Double?, Int?, String?) = switch attempt {
        case .delivered(let status): ("delivered", nil, status, nil)
        case .retry(let at, let status, let error): ("pending", at.timeIntervalSince1970, status, error)
        case .failed(let status, let error): ("failed", nil, status, error)
        }
        try await database.transaction { connection in
            try connection.query(
                """
                UPDATE webhook_deliveries SET state = ?, next_attempt_at = COALESCE(?, next_attempt_at), last_status = ?, last_error = ?,
                    updated_at = ? WHERE id = ?
                """,
                [.text(state), next.map { .double($0) } ?? .null, status.map { .int(Int64($0)) } ?? .null, error.map { .text($0) } ?? .null,
                 .double(now), .text(id)])
        }
    }

    package func deliveries(taskId: String) async throws -> [WebhookDelivery] {
        try await database.withConnection { connection in
            try connection.query("SELECT * FROM webhook_deliveries WHERE task_id = ? ORDER BY created_at, url", [.text(taskId)]).map(Self.delivery(from:))
        }
    }

    package func failedDeliveries(limit: Int) async throws -> [WebhookDelivery] {
        try await database.withConnection { connection in
            try connection.query("SELECT * FROM webhook_deliveries WHERE state = 'failed' ORDER BY updated_at DESC LIMIT ?", [.int(Int64(limit))])
                .map(Self.delivery(from:))
        }
    }

    package func nextDeliveryDue() async throws -> Date? {
        try await database.withConnection { connection in
            try connection.query("SELECT MIN(next_attempt_at) AS v FROM webhook_deliveries WHERE state = 'pending'").first?["v"]?.double
                .map { Date(timeIntervalSince1970: $0) }
        }
    }

    private static func delivery(from row: [String: SQLiteValue]) -> WebhookDelivery {
        var delivery = WebhookDelivery(
            id: row["id"]?.text ?? "", taskId: row["task_id"]?.text ?? "", url: row["url"]?.text ?? "", event: row["event"]?.text ?? "",
            payload: row["payload"]?.text ?? "", at: Date(timeIntervalSince1970: row["created_at"]?.double ?? 0))
        delivery.state = WebhookDelivery.State(rawValue: row["state"]?.text ?? "") ?? .pending
        delivery.attempts = Int(row["attempts"]?.int ?? 0)
        delivery.nextAttemptAt = Date(timeIntervalSince1970: row["next_attempt_at"]?.double ?? 0)
        delivery.lastStatus = row["last_status"]?.int.map { Int($0) }
        delivery.lastError = row["last_error"]?.text
        delivery.updatedAt = Date(timeIntervalSince1970: row["updated_at"]?.double ?? 0)
        return delivery
    }
}
