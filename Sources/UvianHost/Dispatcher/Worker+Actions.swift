import Foundation
import JSON

/// What operators do to tasks after the fact (Bull Board's buttons, BullMQ's `Job.retry`,
/// `promote`, `remove` and `Queue.clean`): each changes the queue and the store together and says
/// so with an event.
extension Worker {
    /// Why an action was refused: the API answers 404 or 409 with it.
    package enum ActionRefusal: Error, Sendable {
        case notFound(String)
        /// The task is not in a state the action applies to: `code` and `message` say which.
        case conflict(TaskRecord?, code: String, message: String)
    }

    /// Runs a finished task again, its attempts reset: a failed or cancelled one, a completed one
    /// only when `force`d. Its parameters are checked again when it is taken in (the plugin may
    /// have changed since).
    package func retry(id: String, force: Bool) async throws -> TaskRecord {
        guard let record = try await store.get(id: id) else { throw ActionRefusal.notFound(id) }
        switch record.status {
        case .failed, .cancelled: break
        case .completed where force: break
        case .completed:
            throw ActionRefusal.conflict(record, code: "task_completed", message: "task \(id) completed; retry with force=true to run it again")
        case .pending, .processing:
            throw ActionRefusal.conflict(record, code: "task_not_finished",
                                         message: "task \(id) is \(record.status.rawValue); only a finished task can be retried")
        }
        // The record first: a worker taking the job in at once finds it pending, not finished.
        guard try await store.markRequeued(id: id) else {
            throw ActionRefusal.conflict(try await store.get(id: id), code: "task_not_finished", message: "task \(id) was sent back to run already")
        }
        var options = record.options
        options.delayMs = 0
        let job = NewJob(id: id, taskType: record.taskType, parametersJSON: record.parameters.serialized(), options: options)
        let requeued: Bool
        do {
            requeued = try await queue.requeue(job)
        } catch {
            // Not queued: the record goes back to how it ended, so no pending task lacks a job.
            try? await store.markFinished(id: id, status: record.status, result: record.result, error: record.error,
                                          at: record.finishedAt ?? Date())
            throw error
        }
        guard requeued else {
            throw ActionRefusal.conflict(try await store.get(id: id), code: "task_not_finished", message: "task \(id) is in the queue already")
        }
        publisher.publish("task.pending", id: id, taskType: record.taskType, data: ["retried": true, "run_at": .null],
                          conversationId: record.parameters["conversation_id"]?.stringValue)
        consumer.wake()
        return try await store.get(id: id) ?? record
    }

    /// A delayed task (or one waiting for its retry's backoff) runs now. A job another producer
    /// queued has no record until it starts: it is promoted all the same (nil).
    package func promote(id: String) async throws -> TaskRecord? {
        let record = try await store.get(id: id)
        if let record, record.status != .pending {
            throw ActionRefusal.conflict(record, code: "task_not_delayed", message: "task \(id) is \(record.status.rawValue), not delayed")
        }
        guard try await queue.promote(id: id) else {
            guard let record else { throw ActionRefusal.notFound(id) }
            throw ActionRefusal.conflict(record, code: "task_not_delayed", message: "task \(id) is not delayed: it is waiting to run already")
        }
        consumer.wake()
        guard let record else { return nil }
        try await store.markPending(id: id, error: record.error, attempts: record.attempts, runAt: nil)
        publisher.publish("task.pending", id: id, taskType: record.taskType, data: ["promoted": true, "run_at": .null],
                          conversationId: record.parameters["conversation_id"]?.stringValue)
        return try await store.get(id: id) ?? record
    }

    /// Removes a finished task: its record and whatever the queue still holds of it.
    package func purge(id: String) async throws -> TaskRecord {
        guard let record = try await store.get(id: id) else { throw ActionRefusal.notFound(id) }
        guard record.status.isFinished else {
            throw ActionRefusal.conflict(record, code: "task_not_finished",
                                         message: "task \(id) is \(record.status.rawValue); cancel it before removing it")
        }
        guard try await queue.removeFinished(id: id) else {
            throw ActionRefusal.conflict(record, code: "task_not_finished", message: "task \(id) is in the queue again (retried meanwhile)")
        }
        guard try await store.deleteFinished(id: id) else {
            throw ActionRefusal.conflict(try await store.get(id: id), code: "task_not_finished", message: "task \(id) was retried meanwhile")
        }
        publisher.publish("task.removed", id: id, taskType: record.taskType, conversationId: record.parameters["conversation_id"]?.stringValue)
        return record
    }

    /// The bulk forms: the action on each task the query finds (up to its limit); tasks it does not
    /// apply to (changed meanwhile) are skipped. Returns the ids it was done to.
    package func retryAll(_ query: TaskQuery, force: Bool) async throws -> [String] {
        try await forEach(query) { try await self.retry(id: $0.id, force: force) }
    }

    package func purgeAll(_ query: TaskQuery) async throws -> [String] {
        try await forEach(query) { try await self.purge(id: $0.id) }
    }

    private func forEach(_ query: TaskQuery, _ action: (TaskRecord) async throws -> TaskRecord) async throws -> [String] {
        var done: [String] = []
        for record in try await store.list(query).tasks {
            do {
                _ = try await action(record)
                done.append(record.id)
            } catch is ActionRefusal {
                continue
            }
        }
        return done
    }
}
