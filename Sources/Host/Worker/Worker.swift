import Foundation
import Logging
import PluginAPI
import ServiceLifecycle
import Synchronization

/// Takes jobs from the queue and runs each through its plugin: concurrency limits, timeouts,
/// cancellation, retries with backoff, leases, and every transition written to the store and
/// published as an event.
///
/// As a `Service`, `run()` fetches until graceful shutdown; then it stops fetching, lets running
/// jobs finish for up to `shutdownTimeout`, and returns the rest to the queue, so nothing is lost.
public final class Worker: Service, Sendable {
    public let config: WorkerConfig
    public let registry: PluginRegistry
    public let queue: any JobQueue
    public let store: any TaskStore
    public let events: EventBus
    let logger: Logger
    let executor: BlockingExecutor
    private let doorbell = Doorbell()
    private let state = Mutex(State())

    private struct State {
        var active: [String: ActiveJob] = [:]
        /// Jobs being fetched or run: what the global limit counts. A slot is taken before the
        /// fetch, so the worker never leases more jobs than it can run.
        var slots = 0
        var perPlugin: [String: Int] = [:]
        var perTaskType: [String: Int] = [:]
        var stopping = false
    }

    public init(config: WorkerConfig, registry: PluginRegistry, queue: any JobQueue, store: any TaskStore, events: EventBus, logger: Logger) {
        self.config = config
        self.registry = registry
        self.queue = queue
        self.store = store
        self.events = events
        self.logger = logger
        // One thread per concurrent job, and spares for plugins that hang past their timeout.
        executor = BlockingExecutor(threads: config.maxConcurrentTasks, maxThreads: config.maxConcurrentTasks * 4 + 4, name: "plugin")
    }

    // MARK: - Submitting and cancelling

    public enum SubmitError: Error, Sendable {
        case unknownTaskType(String, available: [String])
        case invalidParameters([SchemaViolation])
    }

    /// Validates and queues a job. Returns the task and whether it is new (false: an existing task
    /// with the same idempotency key).
    public func submit(taskType: String, parameters: JSONValue, options: JobOptions) async throws -> (TaskRecord, created: Bool) {
        guard let route = registry.route(taskType) else {
            throw SubmitError.unknownTaskType(taskType, available: registry.taskTypeNames)
        }
        if let schema = route.taskType.schema {
            let violations = schema.validate(parameters)
            guard violations.isEmpty else { throw SubmitError.invalidParameters(violations) }
        }
        let record = TaskRecord(id: UUID().uuidString.lowercased(), queue: config.queueName, taskType: taskType, parameters: parameters, options: options)
        switch try await store.create(record) {
        case .existing(let existing):
            return (existing, false)
        case .created(let created):
            do {
                try await queue.enqueue(NewJob(id: created.id, taskType: taskType, parametersJSON: parameters.serialized(), options: options))
            } catch {
                // Never leave a pending task that no queue holds.
                try? await store.markFinished(id: created.id, status: .failed, result: nil, error: "could not be queued: \(error)", at: Date())
                throw error
            }
            publish("task.pending", id: created.id, taskType: taskType, data: ["run_at": created.runAt.map { .string(ISO8601.format($0)) } ?? .null])
            doorbell.ring()
            return (created, true)
        }
    }

    public enum CancelResult: Sendable {
        case notFound
        case alreadyFinished(TaskRecord)
        /// Cancelled, or (when running in another process) cancellation requested.
        case accepted(TaskRecord)
    }

    /// Cancels a pending task at once; asks a running one to stop (its plugin sees `is_cancelled`).
    public func cancel(id: String) async throws -> CancelResult {
        guard let record = try await store.get(id: id) else { return .notFound }
        if record.status.isFinished { return .alreadyFinished(record) }
        if let active = state.withLock({ $0.active[id] }) {
            interrupt(active, .cancelled)
            _ = try await queue.cancel(id: id)
            return .accepted(await waitForFinish(id: id, timeout: config.cancelGraceSeconds + 1) ?? record)
        }
        switch try await queue.cancel(id: id) {
        case .removed, .notFound:
            try await store.markFinished(id: id, status: .cancelled, result: nil, error: "cancelled", at: Date())
            publish("task.cancelled", id: id, taskType: record.taskType, data: ["reason": "cancelled before it ran"])
        case .flagged:
            // Another worker process runs it; it sees the flag at its next lease renewal.
            break
        }
        return .accepted(try await store.get(id: id) ?? record)
    }

    /// Waits up to `timeout` seconds for the task to finish and returns it (finished or not).
    public func waitForFinish(id: String, timeout: Double) async -> TaskRecord? {
        let stream = events.subscribe(buffer: 8) { $0.taskId == id && $0.isTerminal }
        if let record = try? await store.get(id: id), record.status.isFinished || timeout <= 0 { return record }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in stream { return }
            }
            group.addTask { try? await Task.sleep(for: .seconds(timeout)) }
            await group.next()
            group.cancelAll()
        }
        return try? await store.get(id: id)
    }

    // MARK: - Running

    public var activeCount: Int { state.withLock { $0.active.count } }

    public func run() async throws {
        logger.info("worker.started", metadata: [
            "worker.id": "\(config.workerId)", "worker.concurrency": "\(config.maxConcurrentTasks)",
            "worker.task_types": "\(registry.taskTypeNames.joined(separator: ","))",
        ])
        await withGracefulShutdownHandler {
            let renewer = Task { await self.renewLeases() }
            await withDiscardingTaskGroup { group in
                await self.fetchUntilStopped(group: &group)
                await self.drain()
            }
            renewer.cancel()
            await renewer.value
        } onGracefulShutdown: {
            self.beginShutdown()
        }
        executor.shutdown()
        logger.info("worker.stopped")
    }

    /// Stops fetching; `run()` then drains and returns.
    public func beginShutdown() {
        state.withLock { $0.stopping = true }
        doorbell.ring()
    }

    private var isStopping: Bool { state.withLock { $0.stopping } }

    private func fetchUntilStopped(group: inout DiscardingTaskGroup) async {
        var failures = 0
        while !isStopping {
            guard let excluded = reserveSlot() else {
                await doorbell.wait(timeout: .milliseconds(config.pollIntervalMs))
                continue
            }
            let job: LeasedJob?
            do {
                job = try await queue.fetchNext(workerId: config.workerId, excluding: excluded, lease: .seconds(config.leaseSeconds))
                failures = 0
            } catch {
                releaseSlot(wake: false)
                failures += 1
                logger.error("queue.fetch.failed", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .milliseconds(min(100 * (1 << min(failures, 6)), 5000)))
                continue
            }
            if let job {
                let route = count(job)
                group.addTask {
                    await self.process(job, route: route)
                    if let route { self.uncount(route) }
                    self.releaseSlot()
                }
                continue
            }
            releaseSlot(wake: false)
            var timeout = Double(config.pollIntervalMs) / 1000
            if let next = try? await queue.nextRunnableDate() { timeout = min(timeout, max(next.timeIntervalSinceNow, 0.001)) }
            await doorbell.wait(timeout: .seconds(timeout))
        }
    }

    /// Takes a global slot and returns the task types that are at their own limits, or nil when
    /// the worker is full.
    private func reserveSlot() -> Set<String>? {
        let routes = registry.taskTypeNames.compactMap { registry.route($0) }
        return state.withLock { state -> Set<String>? in
            guard state.slots < config.maxConcurrentTasks else { return nil }
            state.slots += 1
            var excluded = Set<String>()
            for route in routes {
                let pluginCount = state.perPlugin[route.plugin.name, default: 0]
                let typeCount = state.perTaskType[route.taskType.name, default: 0]
                if let limit = route.plugin.spec.maxConcurrency, pluginCount >= limit { excluded.insert(route.taskType.name) }
                if let limit = route.taskType.maxConcurrency, typeCount >= limit { excluded.insert(route.taskType.name) }
            }
            return excluded
        }
    }

    /// Gives a slot back; `wake` lets the fetch loop use it at once (not wanted when the fetch
    /// loop itself found nothing to do and is about to sleep).
    private func releaseSlot(wake: Bool = true) {
        state.withLock { $0.slots -= 1 }
        if wake { doorbell.ring() }
    }

    /// Counts a fetched job against its plugin's and task type's limits. Done in the fetch loop,
    /// before the next fetch computes which task types are full.
    private func count(_ job: LeasedJob) -> PluginRegistry.Route? {
        guard let route = registry.route(job.taskType) else { return nil }
        state.withLock { state in
            state.perPlugin[route.plugin.name, default: 0] += 1
            state.perTaskType[route.taskType.name, default: 0] += 1
        }
        return route
    }

    private func uncount(_ route: PluginRegistry.Route) {
        state.withLock { state in
            state.perPlugin[route.plugin.name, default: 1] -= 1
            state.perTaskType[route.taskType.name, default: 1] -= 1
        }
    }

    /// Runs one leased job to its end and records the outcome.
    private func process(_ job: LeasedJob, route: PluginRegistry.Route?) async {
        let logger = self.logger.with(["task.id": "\(job.id)", "task.type": "\(job.taskType)", "task.attempt": "\(job.attempt)"])
        guard let route else {
            await finish(job, status: .failed, error: "no loaded plugin serves task type '\(job.taskType)'", logger: logger)
            return
        }
        // Jobs are validated when queued, but the queue may hold jobs from other producers or from
        // before a plugin changed its schema.
        let parameters: JSONValue
        do {
            parameters = try JSONValue.parse(job.parametersJSON)
        } catch {
            await finish(job, status: .failed, error: "parameters are not valid JSON: \(error)", logger: logger)
            return
        }
        if let violations = route.taskType.schema?.validate(parameters), !violations.isEmpty {
            await finish(job, status: .failed, error: "invalid parameters: " + violations.map(\.description).joined(separator: "; "), logger: logger)
            return
        }

        let timeout = min(job.timeoutSeconds ?? route.plugin.spec.timeoutSeconds ?? config.maxTaskTimeout, config.maxTaskTimeout)
        let startedAt = Date()
        let sink = JobSink(taskId: job.id, taskType: job.taskType, store: store, events: events, logger: logger)
        let task = RunningTask(id: job.id, taskType: job.taskType, deadline: startedAt.addingTimeInterval(timeout), logger: logger, sink: sink)
        let handle = TaskHandle(pointer: TaskHandleTable.shared.register(task))
        let active = ActiveJob(job: job, route: route, task: task, handle: handle)
        state.withLock { $0.active[job.id] = active }
        defer { state.withLock { $0.active[job.id] = nil } }

        do {
            try await store.markProcessing(id: job.id, attempt: job.attempt, workerId: config.workerId, at: startedAt)
        } catch {
            logger.error("store.write.failed", metadata: ["error": "\(error)"])
        }
        publish("task.processing", id: job.id, taskType: job.taskType, data: ["attempt": .number(Double(job.attempt)), "worker_id": .string(config.workerId)])
        logger.debug("task.started")

        let params = Array(job.parametersJSON.utf8)
        let plugin = route.plugin
        let typeIndex = route.taskType.index
        executor.submit {
            let status = plugin.execute(typeIndex: typeIndex, task: handle.pointer, params: params)
            if status != Int32(UVW_PENDING), TaskHandleTable.shared.lookup(handle.pointer) != nil {
                // Returned without calling complete(): the return status decides.
                TaskHandleTable.shared.remove(handle.pointer)
                let outcome: PluginOutcome = status == Int32(UVW_OK)
                    ? .failure(.internal, "plugin returned UVW_OK without calling complete()")
                    : .failure(PluginOutcome.Status(abi: status), "plugin failed with status \(status) without a message")
                task.finish(outcome)
            }
        }
        let watchdog = Task { await self.enforceDeadline(active, timeout: timeout) }
        let outcome = await task.outcome()
        watchdog.cancel()
        await record(outcome, of: active, timeout: timeout, logger: logger)
    }

    /// Interrupts the job when its deadline passes.
    private func enforceDeadline(_ active: ActiveJob, timeout: Double) async {
        do {
            try await Task.sleep(for: .seconds(timeout))
        } catch {
            return
        }
        interrupt(active, .timedOut)
    }

    /// Asks the plugin to stop; if it has not finished within the grace period, the job is ended
    /// anyway (the plugin's thread is abandoned, and its late `complete` is dropped).
    private func interrupt(_ active: ActiveJob, _ reason: ActiveJob.Interruption) {
        guard active.interrupt(reason) else { return }
        let plugin = active.route.plugin
        let handle = active.handle
        executor.submit { plugin.cancel(task: handle.pointer) }
        let grace = config.cancelGraceSeconds
        let logger = self.logger
        Task {
            try? await Task.sleep(for: .seconds(grace))
            if !active.task.isFinished {
                TaskHandleTable.shared.remove(handle.pointer)
                if active.task.finish(.failure(.cancelled, "plugin did not stop")) {
                    logger.warning("plugin.unresponsive", metadata: ["task.id": "\(active.job.id)", "plugin": "\(plugin.name)"])
                }
            }
        }
    }

    /// Writes the outcome: completed, retry, failed, cancelled, or back to the queue on shutdown.
    private func record(_ outcome: PluginOutcome, of active: ActiveJob, timeout: Double, logger: Logger) async {
        let job = active.job
        switch active.reason {
        case .released:
            await persist(logger) {
                try await self.queue.release(id: job.id, workerId: self.config.workerId)
                try await self.store.markPending(id: job.id, error: nil, attempts: job.attempt - 1, runAt: nil)
            }
            publish("task.pending", id: job.id, taskType: job.taskType, data: ["reason": "returned to the queue at shutdown"])
            logger.info("task.released")
            return
        case .cancelled where outcome.status != .ok:
            await finish(job, status: .cancelled, error: "cancelled", logger: logger)
            return
        default:
            break
        }
        if outcome.status == .ok {
            let result: JSONValue
            do {
                result = try JSONValue.parse(outcome.resultJSON ?? "null")
            } catch {
                await finish(job, status: .failed, error: "plugin returned a result that is not valid JSON: \(error)", logger: logger)
                return
            }
            await finish(job, status: .completed, result: result, logger: logger)
            return
        }
        // The plugin may notice the deadline (is_cancelled, deadline_ms) before the watchdog does.
        let timedOut = active.reason == .timedOut || (active.reason == .none && active.task.deadline.map { Date() >= $0 } ?? false)
        let error = timedOut ? "timed out after \(Self.seconds(timeout))" : (outcome.error ?? "failed")
        if (timedOut || outcome.status.isRetryable) && job.attempt < job.maxAttempts && !isStopping {
            let delay = job.backoff.delay(afterAttempt: job.attempt)
            let runAt = Date().addingTimeInterval(Double(delay) / 1000)
            await persist(logger) {
                try await self.queue.retry(id: job.id, workerId: self.config.workerId, runAt: runAt)
                try await self.store.markPending(id: job.id, error: error, attempts: job.attempt, runAt: runAt)
            }
            publish("task.retrying", id: job.id, taskType: job.taskType, data: [
                "attempt": .number(Double(job.attempt)), "error": .string(error), "next_attempt_at": .string(ISO8601.format(runAt)),
            ])
            logger.info("task.retrying", metadata: ["error": "\(error)", "task.delay_ms": "\(delay)"])
            doorbell.ring()
            return
        }
        await finish(job, status: .failed, error: error, logger: logger)
    }

    /// Records a final outcome and removes the job from the queue.
    private func finish(_ job: LeasedJob, status: TaskStatus, result: JSONValue? = nil, error: String? = nil, logger: Logger) async {
        if (try? await store.get(id: job.id)) == nil {
            // A job no one recorded (another producer): give it a record so GET /task finds it.
            let parameters = (try? JSONValue.parse(job.parametersJSON)) ?? .string(job.parametersJSON)
            var options = JobOptions()
            options.attempts = job.maxAttempts
            _ = try? await store.create(TaskRecord(id: job.id, queue: config.queueName, taskType: job.taskType, parameters: parameters, options: options))
        }
        await persist(logger) {
            try await self.store.markFinished(id: job.id, status: status, result: result, error: error, at: Date())
            try await self.queue.acknowledge(id: job.id, workerId: self.config.workerId)
        }
        var data: [String: JSONValue] = ["attempts": .number(Double(job.attempt))]
        if let result { data["result"] = result }
        if let error { data["error"] = .string(error) }
        publish("task.\(status.rawValue)", id: job.id, taskType: job.taskType, data: data)
        if status == .completed {
            logger.debug("task.completed")
        } else {
            logger.info("task.\(status.rawValue)", metadata: ["error": "\(error ?? "")"])
        }
    }

    /// Runs store/queue writes, retrying with backoff so an outcome is not dropped on a transient
    /// error (a busy database). Gives up only at shutdown; the lease then expires and the job runs
    /// again, which is the at-least-once promise.
    private func persist(_ logger: Logger, _ write: @escaping @Sendable () async throws -> Void) async {
        var delay = 0.05
        while true {
            do {
                try await write()
                return
            } catch {
                logger.error("task.persist.failed", metadata: ["error": "\(error)"])
                if isStopping && delay > 1 { return }
                try? await Task.sleep(for: .seconds(delay))
                delay = min(delay * 2, 5)
            }
        }
    }

    private func publish(_ type: String, id: String, taskType: String, data: [String: JSONValue] = [:]) {
        events.publish(TaskEvent(type: type, taskId: id, taskType: taskType, data: .object(data)))
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value))s" : String(format: "%.3gs", value)
    }

    // MARK: - Leases and shutdown

    /// Renews the leases of running jobs every third of the lease, until cancelled (after the
    /// last job has been recorded).
    private func renewLeases() async {
        let interval = max(config.leaseSeconds / 3, 0.1)
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: .seconds(interval))
            } catch {
                return
            }
            let active = state.withLock { Array($0.active.values) }
            guard !active.isEmpty else { continue }
            do {
                let renewal = try await queue.renewLeases(ids: active.map(\.job.id), workerId: config.workerId, lease: .seconds(config.leaseSeconds))
                for job in active where renewal.cancelRequested.contains(job.job.id) {
                    interrupt(job, .cancelled)
                }
                for id in renewal.lost {
                    logger.warning("task.lease.lost", metadata: ["task.id": "\(id)"])
                }
            } catch {
                logger.error("queue.renew.failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Waits for running jobs up to `shutdownTimeout`, then returns the rest to the queue.
    private func drain() async {
        let deadline = ContinuousClock.now + .seconds(config.shutdownTimeout)
        if activeCount > 0 { logger.info("worker.draining", metadata: ["worker.active": "\(activeCount)"]) }
        while activeCount > 0 && ContinuousClock.now < deadline {
            await doorbell.wait(timeout: .milliseconds(100))
        }
        let remaining = state.withLock { Array($0.active.values) }
        for active in remaining {
            interrupt(active, .released)
        }
        // The task group waits for `process` of each released job, which records the release.
    }
}

extension Logger {
    func with(_ metadata: Logger.Metadata) -> Logger {
        var copy = self
        for (key, value) in metadata { copy[metadataKey: key] = value }
        return copy
    }
}
