import Foundation
import JSON
import Logging
import Synchronization

/// Routes a running job's progress, plugin events and host-service calls to the store and the
/// event bus.
final class JobSink: TaskSink {
    let job: LeasedJob
    let store: any TaskStore
    let queue: any JobQueue
    let events: EventBus
    let logger: Logger
    /// Store writes of progress are throttled; events are not.
    private let lastStoredProgress = Mutex<ContinuousClock.Instant?>(nil)

    var taskId: String { job.id }
    var taskType: String { job.taskType }
    /// Parsed once per job, not per event.
    let conversationId: String?

    init(job: LeasedJob, store: any TaskStore, queue: any JobQueue, events: EventBus, logger: Logger) {
        self.job = job
        self.store = store
        self.queue = queue
        self.events = events
        self.logger = logger
        self.conversationId = job.conversationId
    }

    func progress(_ fraction: Double, noteJSON: String?) {
        var data: [String: JSONValue] = ["progress": .number(fraction)]
        if let noteJSON { data["note"] = (try? JSONValue.parse(noteJSON)) ?? .string(noteJSON) }
        events.publish(TaskEvent(type: "task.progress", taskId: taskId, taskType: taskType, data: .object(data), conversationId: conversationId))
        let now = ContinuousClock.now
        let due = lastStoredProgress.withLock { last -> Bool in
            guard fraction >= 1 || last.map({ now - $0 >= .milliseconds(200) }) ?? true else { return false }
            last = now
            return true
        }
        guard due else { return }
        let (store, queue, job, logger) = (self.store, self.queue, self.job, self.logger)
        Task {
            await queue.progress(job, fraction: fraction, noteJSON: noteJSON)
            do {
                try await store.updateProgress(id: job.id, progress: fraction)
            } catch {
                logger.warning("task.progress.store_failed", metadata: ["error": "\(error)"])
            }
        }
    }

    func log(level: Logger.Level, _ message: String) {
        let (queue, job) = (self.queue, self.job)
        Task { await queue.log(job, line: message) }
    }

    func emit(event: String, payloadJSON: String) {
        let payload = (try? JSONValue.parse(payloadJSON)) ?? .string(payloadJSON)
        events.publish(TaskEvent(type: event, taskId: taskId, taskType: taskType, data: payload, conversationId: conversationId))
    }

    /// Runs on the plugin's thread (never the cooperative pool), so waiting for the async store
    /// call here blocks only that thread.
    func invoke(method: String, requestJSON: String) -> (status: Int32, responseJSON: String) {
        final class Answer: @unchecked Sendable {
            // Written by the task before it signals, read after the wait: ordered by the semaphore.
            var value: (status: Int32, response: JSONValue) = (0, .null)
        }
        let answer = Answer()
        let done = DispatchSemaphore(value: 0)
        let services = StoreServices(store: store)
        Task {
            answer.value = await services.handle(method: method, requestJSON: requestJSON)
            done.signal()
        }
        done.wait()
        return (answer.value.status, answer.value.response.serialized())
    }
}
