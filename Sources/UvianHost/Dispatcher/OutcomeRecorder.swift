import Foundation
import Logging
import Synchronization

/// Writes what became of a run — completed, failed, retrying, cancelled, or back to the queue at
/// shutdown — to the store, the queue and the event bus, in as few hand-offs as the backends
/// allow: one transaction on the embedded backends; otherwise one store write (which also records
/// the start, if the start's batch had not written it yet) and one queue call, which leases the
/// worker's next job in the same call (Redis fetch-next). Writes are retried until they land; only
/// at shutdown does a write give up, leaving the job leased so that it runs again.
final class OutcomeRecorder: Sendable {
    let config: WorkerConfig
    let queue: any JobQueue
    let store: any TaskStore
    let embedded: EmbeddedWrites?
    let events: TaskEventPublisher
    let starts: StartRecorder
    let state: DispatchState
    let metrics: WorkerMetrics
    private let logger: Logger
    private let storeFailure = Mutex<String?>(nil)

    init(config: WorkerConfig, queue: any JobQueue, store: any TaskStore, embedded: EmbeddedWrites?, events: TaskEventPublisher,
         state: DispatchState, metrics: WorkerMetrics, logger: Logger) {
        self.config = config
        self.metrics = metrics
        self.queue = queue
        self.store = store
        self.embedded = embedded
        self.events = events
        self.state = state
        self.logger = logger
        starts = StartRecorder(store: store, workerId: config.workerId, logger: logger)
    }

    /// Why the store is failing, if it is: `/health` reports `degraded` with it.
    var storeProblem: String? { storeFailure.withLock { $0 } }

    /// The run's plugin has started: its `processing` record joins the next batch.
    func noteStart(of job: LeasedJob, at date: Date) {
        var start = start(of: job)
        start.startedAt = date
        starts.add(start)
    }

    /// Records the plugin's outcome; returns the job the finish leased next, if any.
    func record(_ outcome: PluginOutcome, of active: ActiveJob, timeout: Double, logger: Logger) async -> LeasedJob? {
        let job = active.job
        // Its lease went to a newer run (here or elsewhere): that run's outcome is the job's.
        if active.reason == .leaseLost || state.book.withLock({ $0.isSuperseded(job) }) {
            logger.warning("task.lease.lost.dropped", metadata: ["plugin.status": "\(outcome.status)"])
            return nil
        }
        switch active.reason {
        case .released:
            await release(job, logger: logger)
            return nil
        case .cancelled where outcome.status != .ok:
            return await finish(job, status: .cancelled, error: "cancelled", logger: logger)
        default:
            break
        }
        if outcome.status == .ok {
            let text = outcome.resultJSON ?? "null"
            do {
                let result = try JSONValue.parse(text)
                return await finish(job, status: .completed, result: result, resultJSON: text, logger: logger)
            } catch {
                return await finish(job, status: .failed, error: "plugin returned a result that is not valid JSON: \(error)", logger: logger)
            }
        }
        // The plugin may notice the deadline (is_cancelled, deadline_ms) before the watchdog does.
        let timedOut = active.reason == .timedOut || (active.reason == .none && active.task.isPastDeadline)
        let error = timedOut ? "timed out after \(Self.seconds(timeout))" + (active.abandonment.map { " (\($0))" } ?? "")
            : (outcome.error ?? "failed")
        // What the plugin reported beside its error (an exit code, an HTTP status) stays with it.
        let failedResult = outcome.resultJSON.map { text in (try? JSONValue.parse(text)) ?? .string(text) }
        if (timedOut || outcome.status.isRetryable) && job.attempt < job.maxAttempts && !state.isStopping {
            await retry(job, error: error, failedResult: failedResult, logger: logger)
            return nil
        }
        return await finish(job, status: .failed, result: failedResult, resultJSON: failedResult?.serialized(), error: error, logger: logger)
    }

    /// Back to the queue without counting the attempt (shutdown).
    private func release(_ job: LeasedJob, logger: Logger) async {
        settle(job)
        let creating = await creatingRecord(of: job)
        await persistStore(logger) {
            try await self.store.markPending(id: job.id, error: nil, attempts: job.attempt - 1, runAt: nil, creating: creating)
        }
        await persist(logger, givingUp: ()) { try await self.queue.release(job, workerId: self.config.workerId) }
        events.publish("task.pending", id: job.id, taskType: job.taskType, data: ["reason": "returned to the queue at shutdown"],
                       conversationId: job.conversationId)
        logger.info("task.released")
    }

    /// Another attempt after the job's backoff.
    private func retry(_ job: LeasedJob, error: String, failedResult: JSONValue?, logger: Logger) async {
        let delay = job.backoff.delay(afterAttempt: job.attempt)
        let runAt = Date().addingTimeInterval(Double(delay) / 1000)
        settle(job)
        let creating = await creatingRecord(of: job)
        // The store first: if it is down the job stays leased (and runs again after its lease)
        // rather than being retried with no record of the failed attempt.
        guard await persistStore(logger, {
            try await self.store.markPending(id: job.id, error: error, attempts: job.attempt, runAt: runAt, creating: creating)
        }) else { return }
        let owned = await persist(logger, givingUp: false) {
            try await self.queue.retry(job, workerId: self.config.workerId, reason: error, delayMs: delay)
        }
        guard owned else { return logger.warning("task.ownership.lost") }
        var data: [String: JSONValue] = [
            "attempt": .number(Double(job.attempt)), "error": .string(error), "next_attempt_at": .string(ISO8601.format(runAt)),
        ]
        if let failedResult { data["result"] = failedResult }
        events.publish("task.retrying", id: job.id, taskType: job.taskType, data: data, conversationId: job.conversationId)
        metrics.jobEnded(taskType: job.taskType, status: "retried", startedAt: job.startedAt)
        logger.info("task.retrying", metadata: ["error": "\(error)", "task.delay_ms": "\(delay)"])
        state.doorbell.ring()
    }

    /// Records a final outcome in the queue and the store; returns the job the queue leased next
    /// in the same call, if any.
    func finish(_ job: LeasedJob, status: TaskStatus, result: JSONValue? = nil, resultJSON: String? = nil,
                error: String? = nil, logger: Logger) async -> LeasedJob? {
        if state.book.withLock({ $0.isSuperseded(job) }) {
            logger.warning("task.lease.lost.dropped")
            return nil
        }
        settle(job)
        var recorded: TaskRecord?
        var next: LeasedJob?
        if let embedded {
            // A start not written yet (the job waited for a limit after its lease) goes first.
            if let unwritten = await starts.claim(job.id) {
                await persistStore(logger) { try await self.store.markProcessing([unwritten], workerId: self.config.workerId, at: unwritten.startedAt ?? Date()) }
            }
            // One transaction: the queue lets go of the job and the outcome is recorded together.
            let finished = await persist(logger, givingUp: EmbeddedWrites.Finished.lost) {
                try await self.trackingStore {
                    try await embedded.finish(job, workerId: self.config.workerId, status: status, result: result, error: error, at: Date())
                }
            }
            guard case .recorded(let record) = finished else {
                logger.warning("task.ownership.lost")
                return nil
            }
            recorded = record
        } else {
            // The outcome is recorded before the queue lets go of the job: if the store is down,
            // the write is retried, and at shutdown the job stays leased so it runs again later.
            let creating = await creatingRecord(of: job)
            let outcome: QueueFinish = switch status {
            case .completed: .completed(resultJSON: resultJSON ?? "null")
            case .cancelled: .cancelled(reason: error ?? "cancelled")
            default: .failed(reason: error ?? "failed", resultJSON: resultJSON)
            }
            // The worker's next job comes with the finish while it is taking jobs.
            let wantsNext = !state.isDraining && state.book.withLock { $0.running && !$0.stopping }
            let lease = wantsNext ? Duration.seconds(config.leaseSeconds) : nil
            let reply: QueueFinishReply
            if let chainStore = store as? any CallbackFinishStore, let chainQueue = queue as? any CallbackFinishQueue {
                // The store's thread issues the queue's finish once the outcome commits: one
                // hand-off from this task for both. Retried whole: the store's write is idempotent.
                guard let chained = await persist(logger, givingUp: QueueFinishReply?.none, {
                    try await self.finishChained(job, chainStore, chainQueue, status: status, result: result, error: error,
                                                 creating: creating, outcome: outcome, leasingNext: lease)
                }) else { return nil }
                reply = chained
            } else {
                guard await persistStore(logger, {
                    try await self.store.markFinished(id: job.id, status: status, result: result, error: error, at: Date(), creating: creating)
                }) else { return nil }
                reply = await persist(logger, givingUp: QueueFinishReply(owned: false, next: nil)) {
                    try await self.queue.finish(job, workerId: self.config.workerId, as: outcome, leasingNext: lease)
                }
            }
            guard reply.owned else {
                logger.warning("task.ownership.lost")
                return nil
            }
            next = reply.next
        }
        var data: [String: JSONValue] = ["attempt": .number(Double(job.attempt))]
        if let result { data["result"] = result }
        if let error { data["error"] = .string(error) }
        events.publish("task.\(status.rawValue)", id: job.id, taskType: job.taskType, data: data, conversationId: job.conversationId,
                       record: recorded)
        metrics.jobEnded(taskType: job.taskType, status: status.rawValue, startedAt: job.startedAt)
        if status == .completed {
            logger.debug("task.completed")
        } else {
            logger.info("task.\(status.rawValue)", metadata: ["error": "\(error ?? "")"])
        }
        return next
    }

    /// The outcome written to the store and then, from the store's thread once it commits, the
    /// queue's finish; resumed once, with the queue's reply.
    private func finishChained(_ job: LeasedJob, _ store: any CallbackFinishStore, _ queue: any CallbackFinishQueue, status: TaskStatus,
                               result: JSONValue?, error: String?, creating: TaskStart, outcome: QueueFinish,
                               leasingNext lease: Duration?) async throws -> QueueFinishReply? {
        let workerId = config.workerId
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<QueueFinishReply?, any Error>) in
            store.markFinished(id: job.id, status: status, result: result, error: error, at: Date(), creating: creating) { failure in
                self.noteStoreWrite(failure)
                if let failure { return continuation.resume(throwing: failure) }
                queue.finish(job, workerId: workerId, as: outcome, leasingNext: lease) { reply in continuation.resume(with: reply.map { $0 }) }
            }
        }
    }

    /// Fails a job before its plugin ran (the queue said so, no plugin serves it, or its
    /// parameters are wrong), giving it a record first if another producer queued it.
    func failUnstarted(_ job: LeasedJob, _ reason: String, logger: Logger) async -> LeasedJob? {
        if embedded != nil {
            do {
                if try await store.get(id: job.id) == nil { _ = try await store.create(record(of: job)) }
            } catch {
                logger.error("store.write.failed", metadata: ["error": "\(error)"])
            }
        }
        return await finish(job, status: .failed, error: reason, logger: logger)
    }

    // MARK: - Records

    /// Notes that the job's outcome is being written (before the write, so a renewal that then
    /// misses the job knows why).
    private func settle(_ job: LeasedJob) {
        state.book.withLock { $0.settle(job) }
    }

    /// What the outcome's write creates the task's record from when the store has none (a job
    /// another producer queued whose start was not written): the start, taken back from its batch
    /// if it was still waiting there (then the outcome's write records it too).
    private func creatingRecord(of job: LeasedJob) async -> TaskStart {
        if var unwritten = await starts.claim(job.id) {
            unwritten.startUnwritten = true
            return unwritten
        }
        return start(of: job)
    }

    /// The job's start as the store records it.
    private func start(of job: LeasedJob) -> TaskStart {
        // The parameters go in as the queue holds them when they are JSON: parsed when the job
        // was checked, or known to be when a generation checked them at submit (then not parsed
        // again, and the record's value is not used). Text that is not JSON is stored as a string.
        let parameters = job.parameters ?? (job.checkedBy != nil ? .null : try? JSONValue.parse(job.parametersJSON))
        return TaskStart(record: record(of: job, parameters: parameters ?? .string(job.parametersJSON)), attempt: job.attempt,
                         parametersJSON: parameters == nil ? nil : job.parametersJSON, workerId: config.workerId, startedAt: job.startedAt)
    }

    /// The record of a job this store may not know yet (queued by another producer); its
    /// parameters are parsed here unless given (text that is not JSON is kept as a string).
    private func record(of job: LeasedJob, parameters: JSONValue? = nil) -> TaskRecord {
        let parameters = parameters ?? (try? JSONValue.parse(job.parametersJSON)) ?? .string(job.parametersJSON)
        var options = JobOptions()
        options.attempts = job.maxAttempts
        options.backoff = job.backoff
        options.timeoutSeconds = job.timeoutSeconds
        options.schedule = job.schedule
        var record = TaskRecord(id: job.id, queue: config.queueName, taskType: job.taskType, parameters: parameters,
                                options: options, createdAt: job.createdAt ?? Date())
        record.parentId = job.parentId
        return record
    }

    // MARK: - Writes that must land

    /// A store write, retried like `persist`; tracks the store's health. False if it gave up.
    @discardableResult
    private func persistStore(_ logger: Logger, _ write: @escaping @Sendable () async throws -> Void) async -> Bool {
        await persist(logger, givingUp: false) {
            try await self.trackingStore(write)
            return true
        }
    }

    /// Runs a store write and records whether the store is healthy.
    private func trackingStore<T>(_ write: () async throws -> T) async throws -> T {
        do {
            let value = try await write()
            noteStoreWrite(nil)
            return value
        } catch {
            noteStoreWrite(error)
            throw error
        }
    }

    /// How the last store write went (nil: it landed), for `storeProblem`.
    private func noteStoreWrite(_ failure: (any Error)?) {
        if failure != nil { metrics.storeErrors.increment() }
        storeFailure.withLock { $0 = failure.map { "store writes are failing: \($0)" } }
    }

    /// Runs store/queue writes, retrying with backoff so an outcome is not dropped on a transient
    /// error (a busy database, a Redis reconnect). Gives up only at shutdown; the lease then
    /// expires and the job runs again, which is the at-least-once promise.
    @discardableResult
    private func persist<T: Sendable>(_ logger: Logger, givingUp fallback: T, _ write: @Sendable () async throws -> T) async -> T {
        var delay = 0.05
        while true {
            do {
                return try await write()
            } catch {
                logger.error("task.persist.failed", metadata: ["error": "\(error)"])
                if state.isStopping && delay > 1 { return fallback }
                try? await Task.sleep(for: .seconds(delay))
                delay = min(delay * 2, 5)
            }
        }
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value))s" : String(format: "%.3gs", value)
    }
}
