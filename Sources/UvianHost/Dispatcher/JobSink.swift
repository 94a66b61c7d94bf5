import Foundation
import JSON
import Logging
import PluginAPI
import Synchronization

/// Routes a running job's progress, plugin events and host-service calls to the store and the
/// event bus.
final class JobSink: TaskSink {
    let job: LeasedJob
    let store: any TaskStore
    let queue: any JobQueue
    let events: EventBus
    let logger: Logger
    /// Where `invokeAsync` answers plugins: threads of the worker's own, not the cooperative pool.
    let callbacks: BlockingExecutor
    /// Where the writes and host calls a plugin starts from its thread run: the consumer's task
    /// group, as children.
    let inbox: TaskInbox
    /// Store writes of progress are throttled; events are not.
    private let lastStoredProgress = Mutex<ContinuousClock.Instant?>(nil)
    /// Log lines not written yet, and whether a write of them is on its way: a burst of lines
    /// costs one store write, not one per line.
    private let pendingLogs = Mutex<(lines: [TaskLogLine], writing: Bool)>(([], false))

    var taskId: String { job.id }
    var taskType: String { job.taskType }
    /// Parsed once per job, not per event.
    let conversationId: String?

    init(job: LeasedJob, store: any TaskStore, queue: any JobQueue, events: EventBus, logger: Logger, callbacks: BlockingExecutor,
         inbox: TaskInbox) {
        self.job = job
        self.callbacks = callbacks
        self.inbox = inbox
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
        inbox.submit {
            await queue.progress(job, fraction: fraction, noteJSON: noteJSON)
            do {
                try await store.updateProgress(id: job.id, progress: fraction)
            } catch {
                logger.warning("task.progress.store_failed", metadata: ["error": "\(error)"])
            }
        }
    }

    func log(level: Logger.Level, _ message: String) {
        let line = TaskLogLine(at: Date(), level: level.rawValue, message: message)
        let (queue, job) = (self.queue, self.job)
        inbox.submit { await queue.log(job, line: line.message) }
        let startsWrite = pendingLogs.withLock { pending in
            pending.lines.append(line)
            defer { pending.writing = true }
            return !pending.writing
        }
        guard startsWrite else { return }
        let accepted = inbox.submit { [self] in
            // Until no line is left: lines logged while a batch is written go in the next one.
            while true {
                let lines = pendingLogs.withLock { pending in
                    defer { pending.lines.removeAll() }
                    if pending.lines.isEmpty { pending.writing = false }
                    return pending.lines
                }
                guard !lines.isEmpty else { return }
                do {
                    try await store.appendLogs(id: job.id, lines)
                } catch {
                    logger.warning("task.logs.store_failed", metadata: ["error": "\(error)", "task.log_lines": "\(lines.count)"])
                }
            }
        }
        if !accepted { pendingLogs.withLock { $0.writing = false } }
    }

    func emit(event: String, payloadJSON: String) {
        let payload = (try? JSONValue.parse(payloadJSON)) ?? .string(payloadJSON)
        events.publish(TaskEvent(type: event, taskId: taskId, taskType: taskType, data: payload, conversationId: conversationId))
    }

    /// The answer is computed by a task (the store calls are asynchronous) and handed to `done`
    /// on a thread of `callbacks`, never on the cooperative pool: a plugin's callback runs there.
    func invokeAsync(method: String, requestJSON: String, done: @escaping @Sendable (Int32, String) -> Void) {
        let callbacks = self.callbacks
        let queued = inbox.submit { [self] in
            let (status, response) = await self.answer(method: method, requestJSON: requestJSON)
            let text = response.serialized()
            callbacks.submit { done(status, text) }
        }
        if !queued { callbacks.submit { done(Self.stopping.status, Self.stopping.response) } }
    }

    /// Runs on the plugin's thread (never the cooperative pool), so waiting here blocks only
    /// that thread; the task that answers signals it directly, without a callback thread.
    func invoke(method: String, requestJSON: String) -> (status: Int32, responseJSON: String) {
        let answer = BlockingAnswer()
        let queued = inbox.submit { [self] in
            let (status, response) = await self.answer(method: method, requestJSON: requestJSON)
            answer.resolve(status, response.serialized())
        }
        if !queued { return (Self.stopping.status, Self.stopping.response) }
        return answer.wait()
    }

    /// A host service's answer: the job's own (`job.…`) or the store's.
    private func answer(method: String, requestJSON: String) async -> (status: Int32, response: JSONValue) {
        if JobServices.methods.contains(method) { return await JobServices(job: job, queue: queue).handle(method: method) }
        return await StoreServices(store: store).handle(method: method, requestJSON: requestJSON)
    }

    /// The answer to a host call made after the worker stopped (by a plugin abandoned past its
    /// grace period): worth another attempt, on another worker.
    private static let stopping = (status: Int32(UVW_ERR_RETRYABLE), response: #"{"error":"the worker is stopping"}"#)
}
