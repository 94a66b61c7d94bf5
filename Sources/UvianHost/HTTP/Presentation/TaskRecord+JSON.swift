import Foundation
import JSON

/// A task as the API shows it (`GET /task/{id}`, events, webhooks): presentation, kept apart from
/// the model.
extension TaskRecord {
    /// The JSON shape of the API.
    package var json: JSONValue {
        func time(_ date: Date?) -> JSONValue { date.map { .string(ISO8601.format($0)) } ?? .null }
        // The schedule that made the task is shown beside its options, not among them.
        var requestOptions = options
        requestOptions.schedule = nil
        return .object([
            "task_id": .string(id),
            "task_type": .string(taskType),
            "queue": .string(queue),
            "status": .string(status.rawValue),
            "parameters": parameters,
            "options": requestOptions.json,
            "schedule": options.schedule?.json ?? .null,
            "result": result ?? .null,
            "error": error.map { .string($0) } ?? .null,
            "progress": .number(progress),
            "attempts": .number(Double(attempts)),
            "max_attempts": .number(Double(options.attempts)),
            "created_at": time(createdAt),
            "started_at": time(startedAt),
            "finished_at": time(finishedAt),
            "updated_at": time(updatedAt),
            "run_at": time(runAt),
            "worker_id": workerId.map { .string($0) } ?? .null,
            "parent_id": parentId.map { .string($0) } ?? .null,
        ])
    }
}
