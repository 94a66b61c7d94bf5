import Foundation
package import Logging
import ServiceLifecycle
import Synchronization

/// The worker as the rest of the host sees it: jobs in (`submit`), cancels, waits for a task's
/// end, and the consumer that runs jobs as a `Service`. Its parts, each in its own file (see
/// docs/architecture.md): the `Submitter` checks and queues jobs; the `JobConsumer` owns the task
/// group that fetches and runs them; `JobExecution` runs one job through its plugin; the
/// `OutcomeRecorder` writes what became of it; the `DispatchBook` keeps slots, leases and cancels.
///
/// As a `Service`, `run()` fetches until graceful shutdown; then it stops fetching, lets running
/// jobs finish for up to `shutdownTimeout`, and returns the rest to the queue, so nothing is lost.
package final class Worker: Service, Sendable {
    package let config: WorkerConfig
    package let registry: PluginRegistry
    package let queue: any JobQueue
    package let store: any TaskStore
    package let events: EventBus
    package let metrics: WorkerMetrics
    let logger: Logger
    private let executor: BlockingExecutor
    let consumer: JobConsumer
    let submitter: Submitter
    private let recorder: OutcomeRecorder
    let publisher: TaskEventPublisher
    /// Callers waiting for a task's end, resumed by its terminal event.
    private let waiters = FinishWaiters()
    private let state: DispatchState
    private let fleet = Mutex<(any FleetChannel)?>(nil)

    /// Why a submit is refused (the API answers 4xx with it).
    package enum SubmitError: Error, Sendable {
        case unknownTaskType(String, available: [String])
        case invalidParameters([SchemaViolation])
    }

    package init(config: WorkerConfig, registry: PluginRegistry, queue: any JobQueue, store: any TaskStore, events: EventBus, logger: Logger) {
        self.config = config
        self.registry = registry
        self.queue = queue
        self.store = store
        self.events = events
        self.logger = logger
        metrics = WorkerMetrics(queue: config.queueName)
        // One thread per concurrent job, and spares for plugins that hang past their timeout.
        executor = BlockingExecutor(threads: config.maxConcurrentTasks, maxThreads: config.maxConcurrentTasks * 4 + 4, name: "plugin")
        let embedded = EmbeddedWrites(store: store, queue: queue)
        publisher = TaskEventPublisher(bus: events)
        let state = DispatchState(capacity: config.maxConcurrentTasks)
        self.state = state
        recorder = OutcomeRecorder(config: config, queue: queue, store: store, embedded: embedded, events: publisher, state: state,
                                   metrics: metrics, logger: logger)
        let execution = JobExecution(config: config, registry: registry, store: store, queue: queue, events: publisher, executor: executor,
                                     state: state, recorder: recorder, logger: logger)
        consumer = JobConsumer(config: config, registry: registry, queue: queue, embedded: embedded, state: state, execution: execution,
                               recorder: recorder, logger: logger)
        submitter = Submitter(config: config, registry: registry, queue: queue, store: store, embedded: embedded, consumer: consumer,
                              events: publisher)
        _ = events.observe { [waiters] event in
            if event.isTerminal { waiters.deliver(event) }
        }
    }

    // MARK: - Submitting and cancelling

    /// Validates and queues a job. Returns the task and whether it is new (false: an existing task
    /// with the same idempotency key).
    package func submit(taskType: String, parameters: JSONValue, options: JobOptions) async throws -> (TaskRecord, created: Bool) {
        try await submitter.submit(taskType: taskType, parameters: parameters, options: options, id: RandomIdentifier.uuid())
    }

    /// Queues a job and waits up to `timeout` seconds for it to finish; returns the task as it is
    /// then (finished or not) and whether it is new. Listens for the job's end before queueing it,
    /// so no read is needed to catch a job that finishes at once.
    package func submitAndWait(taskType: String, parameters: JSONValue, options: JobOptions, timeout: Double) async throws -> (TaskRecord, created: Bool) {
        let id = RandomIdentifier.uuid()
        let ticket = waiters.register(id)
        let record: TaskRecord, created: Bool
        do {
            (record, created) = try await submitter.submit(taskType: taskType, parameters: parameters, options: options, id: id)
        } catch {
            waiters.forget(ticket)
            throw error
        }
        guard created else {
            // An existing task (same idempotency key): it has its own id and may be finished.
            waiters.forget(ticket)
            return (await waitForFinish(id: record.id, timeout: timeout) ?? record, false)
        }
        // The finish usually hands over the task as recorded; otherwise it is read back.
        if let done = await waiters.wait(ticket, timeout: timeout)?.record { return (done, true) }
        return ((try? await store.get(id: id)) ?? record, true)
    }

    package enum CancelResult: Sendable {
        case notFound
        case alreadyFinished(TaskRecord)
        /// Cancelled, or (when running in another process) cancellation requested.
        case accepted(TaskRecord)
    }

    /// Cancels a pending task at once; asks a running one to stop (its plugin sees `is_cancelled`).
    /// `tellingFleet` false: the caller sends the fleet its own `task.cancel` (`POST /control`).
    package func cancel(id: String, tellingFleet: Bool = true) async throws -> CancelResult {
        guard let record = try await store.get(id: id) else { return .notFound }
        if record.status.isFinished { return .alreadyFinished(record) }
        // Running here (asked to stop), or leased here and not started yet (ends without running).
        if consumer.cancelHere(id) {
            _ = try await queue.cancel(id: id)
            return .accepted(await waitForFinish(id: id, timeout: config.cancelGraceSeconds + 1) ?? record)
        }
        switch try await queue.cancel(id: id) {
        case .removed, .notFound:
            try await store.markFinished(id: id, status: .cancelled, result: nil, error: "cancelled", at: Date())
            publisher.publish("task.cancelled", id: id, taskType: record.taskType, data: ["reason": "cancelled before it ran"])
            metrics.jobEnded(taskType: record.taskType, status: "cancelled", startedAt: nil)
        case .flagged(let holder) where holder.map({ $0 == config.workerId || $0.hasPrefix(config.workerId + ":") }) == true:
            // Leased to this worker by a fetch whose jobs are not taken in yet: they end
            // cancelled as they are (or, taken in meanwhile, as any job held here).
            consumer.cancelLeasedHere(id)
            return .accepted(await waitForFinish(id: id, timeout: config.cancelGraceSeconds + 1) ?? record)
        case .flagged:
            // Another worker process runs it: told now through the fleet's channel (and by the
            // flag at its next lease renewal, whatever happens to the message).
            if tellingFleet, let channel = fleet.withLock({ $0 }) {
                let message = ControlMessage(command: "task.cancel", arguments: ["task_id": .string(id)], sender: config.workerId)
                try? await channel.publish(message.signed(with: config.controlSecret))
            }
        }
        return .accepted(try await store.get(id: id) ?? record)
    }

    /// Waits up to `timeout` seconds for the task to finish and returns it (finished or not).
    package func waitForFinish(id: String, timeout: Double) async -> TaskRecord? {
        let ticket = waiters.register(id)
        if let record = try? await store.get(id: id), record.status.isFinished || timeout <= 0 {
            waiters.forget(ticket)
            return record
        }
        if let done = await waiters.wait(ticket, timeout: timeout)?.record { return done }
        return try? await store.get(id: id)
    }

    // MARK: - Running

    package var activeCount: Int { consumer.activeCount }

    // MARK: - The fleet

    /// Stops a task this worker runs (a `task.cancel` from the fleet); false when it runs elsewhere.
    package func cancelRunningHere(_ id: String) -> Bool { consumer.cancelHere(id) }

    /// Draining: no new jobs taken, running ones finished, the API still served (`worker.drain`).
    package var isDraining: Bool { state.isDraining }
    package func setDraining(_ draining: Bool) {
        state.setDraining(draining)
        logger.info(draining ? "worker.draining" : "worker.resumed", metadata: ["worker.active": "\(activeCount)"])
    }

    /// The fleet's channel, once the runtime has one: a cancel for a task another worker runs is
    /// sent there too, so that worker stops it at once rather than at its next lease renewal.
    package func attach(fleet channel: any FleetChannel) { fleet.withLock { $0 = channel } }

    /// Why the store is failing, if it is: `/health` reports `degraded` with it.
    package var storeProblem: String? { recorder.storeProblem }

    package func run() async throws {
        logger.info("worker.started", metadata: [
            "worker.id": "\(config.workerId)", "worker.concurrency": "\(config.maxConcurrentTasks)",
            "worker.task_types": "\(registry.taskTypeNames.joined(separator: ","))",
        ])
        await withGracefulShutdownHandler {
            await consumer.run()
        } onGracefulShutdown: {
            self.consumer.beginShutdown()
        }
        executor.shutdown()
        logger.info("worker.stopped")
    }

    /// Stops fetching; `run()` then drains and returns.
    package func beginShutdown() {
        consumer.beginShutdown()
    }
}

extension Logger {
    func with(_ metadata: Logger.Metadata) -> Logger {
        var copy = self
        for (key, value) in metadata { copy[metadataKey: key] = value }
        return copy
    }
}
