package import Foundation
import JSON

/// One POST of a finished task's record to one URL, kept in the store's outbox until it is
/// delivered or given up: a restart loses none, and a receiver dedupes by its `id`.
package struct WebhookDelivery: Sendable, Equatable {
    package enum State: String, Sendable {
        case pending, delivered, failed
    }

    package let id: String
    package let taskId: String
    package let url: String
    /// The task event it tells of: task.completed, task.failed or task.cancelled.
    package let event: String
    /// The body as sent (JSON), fixed when the delivery is made so every try sends the same bytes.
    package let payload: String
    package var state: State = .pending
    /// Tries made so far (a claimed try counts from its claim).
    package var attempts = 0
    package var nextAttemptAt: Date
    package var lastStatus: Int?
    package var lastError: String?
    package let createdAt: Date
    package var updatedAt: Date

    package init(id: String, taskId: String, url: String, event: String, payload: String, at date: Date) {
        self.id = id
        self.taskId = taskId
        self.url = url
        self.event = event
        self.payload = payload
        nextAttemptAt = date
        createdAt = date
        updatedAt = date
    }

    /// As `GET /task/{id}` and `/webhooks/failed` show it (without the body).
    package var json: JSONValue {
        .object([
            "id": .string(id), "task_id": .string(taskId), "url": .string(url), "event": .string(event), "state": .string(state.rawValue),
            "attempts": .number(Double(attempts)),
            "next_attempt_at": state == .pending ? .string(ISO8601.format(nextAttemptAt)) : .null,
            "last_status": lastStatus.map { .number(Double($0)) } ?? .null, "last_error": lastError.map { .string($0) } ?? .null,
            "created_at": .string(ISO8601.format(createdAt)), "updated_at": .string(ISO8601.format(updatedAt)),
        ])
    }
}

/// How a try went.
package enum WebhookAttempt: Sendable {
    case delivered(status: Int)
    /// Tried again at `at` (a timeout, a connection failure, 5xx or 429).
    case retry(at: Date, status: Int?, error: String)
    /// Given up: out of tries, or refused for good (another 4xx, a blocked address).
    case failed(status: Int?, error: String)
}

/// A finished task whose record is to be delivered: what the store's trigger noted in the same
/// write as the task's end.
package struct WebhookNotification: Sendable {
    package let taskId: String
    package let status: String
    /// When the task ended (tells a second end of the same task, after a retry, from the first).
    package let at: Double
}

/// The store's outbox of webhook deliveries. A task's end is noted by the store itself (a trigger
/// on the tasks table, in the write that ends it) when webhooks apply to it: a worker that stops
/// right after loses nothing.
package protocol WebhookOutbox: Sendable {
    /// Whether every finished task is noted (`N8N_WEBHOOK_URL` set), or only those with a `callback_url`.
    func noteEveryFinishedTask(_ every: Bool) async throws
    /// Finished tasks noted and not yet turned into deliveries, oldest first.
    func notifications(limit: Int) async throws -> [WebhookNotification]
    /// Adds the deliveries (those with an id already present are skipped: another worker made
    /// them) and forgets the notifications they came from, in one write.
    func addDeliveries(_ deliveries: [WebhookDelivery], clearing notifications: [WebhookNotification]) async throws
    /// Pending deliveries due by `now`, each claimed for `lease` (another worker does not send it
    /// meanwhile) with its try counted.
    func claimDueDeliveries(now: Date, lease: Duration, limit: Int) async throws -> [WebhookDelivery]
    func recordAttempt(id: String, _ attempt: WebhookAttempt) async throws
    func deliveries(taskId: String) async throws -> [WebhookDelivery]
    /// Deliveries given up, the newest first.
    func failedDeliveries(limit: Int) async throws -> [WebhookDelivery]
    /// The soonest pending delivery's due time (nil: none).
    func nextDeliveryDue() async throws -> Date?
}
