import Foundation
import JSON
package import Logging
import PluginAPI
import ServiceLifecycle
import Synchronization

/// Takes jobs from the queue and runs each through its plugin: concurrency limits, timeouts,
/// cancellation, retries with backoff, leases, and every transition written to the store and
/// published as an event.
///
/// As a `Service`, `run()` fetches until graceful shutdown; then it stops fetching, lets running
/// jobs finish for up to `shutdownTimeout`, and returns the rest to the queue, so nothing is lost.
package final class Worker: Service, Sendable {
    package let config: WorkerConfig
    package let registry: PluginRegistry
    package let queue: any JobQueue
    package let store: any TaskStore
    package let events: EventBus
    let logger: Logger
    let executor: BlockingExecutor
    /// Store and queue writes made as one transaction, when both are the embedded SQLite file.
    private let embedded: EmbeddedWrites?
    private let doorbell = Doorbell()
    /// Callers waiting for a task's end, resumed by its terminal event.
    private let waiters = FinishWaiters()
    private let state = Mutex(State())

    private struct State {
        /// The run of each job this worker holds the current lease of (a job leased again, after
        /// its lease ran out under a stale run, is a new run; the stale one is `superseded`).
        var active: [String: ActiveJob] = [:]
        /// Every job leased to this worker, running or waiting for its plugin's limit, by its
        /// current lease: what lease renewal covers.
        var leased: [String: LeasedJob] = [:]
        /// Runs whose lease is gone (found lost at a renewal, or the job leased again): told to
        /// stop, and whatever they end with is dropped, so they never touch the current run's
        /// lease, record or events.
        var superseded: Set<LeasedJob.RunKey> = []
        /// Jobs being fetched or held: what the global limit counts. A slot is taken before the
        /// fetch, so the worker never leases more jobs than it can run.
        var slots = 0
        /// Between the start of `run()` and its shutdown: jobs may be started from a submit.
        var running = false
        var stopping = false
        /// Leased jobs cancelled before they started (while waiting for a plugin's limit): they
        /// end as cancelled without running.
        var cancelledBeforeStart: Set<LeasedJob.RunKey> = []
        /// Cancels asked for while the queue held the job leased to this worker, but this worker
        /// had not taken it in yet (its fetch was on its way back): the job ends cancelled as
        /// soon as it is taken in. Cleared at each lease renewal round of entries older than a lease.
        var cancelAsked: [String: ContinuousClock.Instant] = [:]
        /// Leased jobs whose outcome is being written: the queue lets go of them before they
        /// leave `leased`, so a renewal that no longer finds them has not lost them.
        var settling: Set<LeasedJob.RunKey> = []
    }

    /// `max_concurrency` of each plugin (by name) and task type (by name), where set.
    /// `max_concurrency` limiters by plugin or task type and limit, made on first use so a plugin
    /// added or reloaded with another limit gets its own (jobs already running keep the old one).
    private let limiterTable = Mutex<[String: AsyncLimiter]>([:])

    /// Jobs this process validated when they were submitted, with the plugin generation that
    /// validated them: when the same generation runs them, their parameters are not parsed and
    /// checked a second time. Bounded: dropped entries only cost that second check.
    private let validatedAtSubmit = Mutex<[String: String]>([:])

    private func noteValidated(_ id: String, by route: PluginRegistry.Route) {
        validatedAtSubmit.withLock { validated in
            if validated.count >= 10_000 { validated.removeAll() }
            validated[id] = Self.validator(of: route)
        }
    }

    /// Which plugin generation checked a job's parameters (its name, generation and file).
    private static func validator(of route: PluginRegistry.Route) -> String {
        "\(route.plugin.name)#\(route.plugin.generation)#\(route.plugin.sha256)"
    }

    package init(config: WorkerConfig, registry: PluginRegistry, queue: any JobQueue, store: any TaskStore, events: EventBus, logger: Logger) {
        self.config = config
        self.registry = registry
        self.queue = queue
        self.store = store
        self.events = events
        self.logger = logger
        embedded = EmbeddedWrites(store: store, queue: queue)
        _ = events.observe { [waiters] event in
            if event.isTerminal { waiters.deliver(event) }
        }
        // One thread per concurrent job, and spares for plugins that hang past their timeout.
        executor = BlockingExecutor(threads: config.maxConcurrentTasks, maxThreads: config.maxConcurrentTasks * 4 + 4, name: "plugin")
    }

    // MARK: - Submitting and cancelling

    package enum SubmitError: Error, Sendable {
        case unknownTaskType(String, available: [String])
        case invalidParameters([SchemaViolation])
    }

    /// Validates and queues a job. Returns the task and whether it is new (false: an existing task
    /// with the same idempotency key).
    package func submit(taskType: String, parameters: JSONValue, options: JobOptions) async throws -> (TaskRecord, created: Bool) {
        try await submit(taskType: taskType, parameters: parameters, options: options, id: RandomIdentifier.uuid())
    }

    /// Queues a job and waits up to `timeout` seconds for it to finish; returns the task as it is
    /// then (finished or not) and whether it is new. Listens for the job's end before queueing it,
    /// so no read is needed to catch a job that finishes at once.
    package func submitAndWait(taskType: String, parameters: JSONValue, options: JobOptions, timeout: Double) async throws -> (TaskRecord, created: Bool) {
        let id = RandomIdentifier.uuid()
        let ticket = waiters.register(id)
        let record: TaskRecord, created: Bool
        do {
            (record, created) = try await submit(taskType: taskType, parameters: parameters, options: options, id: id)
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

    private func submit(taskType: String, parameters: JSONValue, options: JobOptions, id: String) async throws -> (TaskRecord, created: Bool) {
        guard let route = registry.route(taskType) else {
            throw SubmitError.unknownTaskType(taskType, available: registry.taskTypeNames)
        }
        if let schema = route.taskType.schema {
            let violations = schema.validate(parameters)
            guard violations.isEmpty else { throw SubmitError.invalidParameters(violations) }
        }
        let record = TaskRecord(id: id, queue: config.queueName, taskType: taskType, parameters: parameters, options: options)
        let job = NewJob(id: id, taskType: taskType, parametersJSON: parameters.serialized(), options: options)
        // Noted before the job is queued (it may run at once); kept only if this call queued it.
        noteValidated(id, by: route)
        let creation: TaskCreation
        let leased: LeasedJob?
        do {
            (creation, leased) = try await createAndEnqueue(record, job)
        } catch {
            _ = validatedAtSubmit.withLock { $0.removeValue(forKey: id) }
            throw error
        }
        switch creation {
        case .existing(let existing):
            _ = validatedAtSubmit.withLock { $0.removeValue(forKey: id) }
            return (existing, false)
        case .created(let created):
            publish("task.pending", id: created.id, taskType: taskType, data: ["run_at": created.runAt.map { .string(ISO8601.format($0)) } ?? .null],
                    conversationId: parameters["conversation_id"]?.stringValue)
            if let leased { startDirectly(leased) }
            // The fetch loop has work unless this job is the one that started.
            if leased?.id != id { doorbell.ring() }
            return (created, true)
        }
    }

    /// Creates the record and queues the job: one transaction on the embedded backends, else the
    /// store first (an existing task with the same idempotency key is returned, nothing queued).
    /// On the embedded backends, when a slot is free, the same transaction leases the next job
    /// for it (returned; its slot is taken).
    private func createAndEnqueue(_ record: TaskRecord, _ job: NewJob) async throws -> (TaskCreation, LeasedJob?) {
        if let embedded {
            guard reserveSlot() else { return try await embedded.createAndEnqueue(record, job: job) }
            let lease = EmbeddedWrites.Lease(workerId: config.workerId, excluding: fullTaskTypes(), duration: .seconds(config.leaseSeconds))
            do {
                let (creation, leased) = try await embedded.createAndEnqueue(record, job: job, lease: lease)
                if leased == nil { releaseSlots(1, wake: false) }
                return (creation, leased)
            } catch {
                releaseSlots(1, wake: false)
                throw error
            }
        }
        let creation = try await store.create(record)
        guard case .created = creation else { return (creation, nil) }
        do {
            try await queue.enqueue(job)
        } catch {
            // Never leave a pending task that no queue holds.
            try? await store.markFinished(id: record.id, status: .failed, result: nil, error: "could not be queued: \(error)", at: Date())
            throw error
        }
        return (creation, nil)
    }

    package enum CancelResult: Sendable {
        case notFound
        case alreadyFinished(TaskRecord)
        /// Cancelled, or (when running in another process) cancellation requested.
        case accepted(TaskRecord)
    }

    /// Cancels a pending task at once; asks a running one to stop (its plugin sees `is_cancelled`).
    package func cancel(id: String) async throws -> CancelResult {
        guard let record = try await store.get(id: id) else { return .notFound }
        if record.status.isFinished { return .alreadyFinished(record) }
        // Running here (asked to stop), or leased here and not started yet (ends without running).
        let active = state.withLock { $0.active[id] }
        if let active { interrupt(active, .cancelled) }
        if active != nil || cancelBeforeStart(id) {
            _ = try await queue.cancel(id: id)
            return .accepted(await waitForFinish(id: id, timeout: config.cancelGraceSeconds + 1) ?? record)
        }
        switch try await queue.cancel(id: id) {
        case .removed, .notFound:
            try await store.markFinished(id: id, status: .cancelled, result: nil, error: "cancelled", at: Date())
            publish("task.cancelled", id: id, taskType: record.taskType, data: ["reason": "cancelled before it ran"])
        case .flagged(let holder) where holder.map({ $0 == config.workerId || $0.hasPrefix(config.workerId + ":") }) == true:
            // Leased to this worker by a fetch whose jobs are not taken in yet: they end
            // cancelled as they are (or, taken in meanwhile, as any job held here).
            state.withLock { $0.cancelAsked[id] = .now }
            let active = state.withLock { $0.active[id] }
            if let active { interrupt(active, .cancelled) } else { _ = cancelBeforeStart(id) }
            return .accepted(await waitForFinish(id: id, timeout: config.cancelGraceSeconds + 1) ?? record)
        case .flagged:
            // Another worker process runs it; it sees the flag at its next lease renewal.
            break
        }
        return .accepted(try await store.get(id: id) ?? record)
    }

    /// A job this worker leased that has not started (it waits for its plugin's or task type's
    /// limit): marks it to end as cancelled and takes it out of the limiter's line. False when
    /// this worker does not hold it.
    private func cancelBeforeStart(_ id: String) -> Bool {
        guard let job = state.withLock({ state -> LeasedJob? in
            guard state.active[id] == nil, let job = state.leased[id] else { return nil }
            state.cancelledBeforeStart.insert(job.runKey)
            return job
        }) else { return false }
        if let route = registry.route(job.taskType) {
            for limiter in limiters(for: route) { limiter.withdraw(id) }
        }
        return true
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

    package var activeCount: Int { state.withLock { $0.active.count } }

    package func run() async throws {
        logger.info("worker.started", metadata: [
            "worker.id": "\(config.workerId)", "worker.concurrency": "\(config.maxConcurrentTasks)",
            "worker.task_types": "\(registry.taskTypeNames.joined(separator: ","))",
        ])
        state.withLock { $0.running = !$0.stopping }
        await withGracefulShutdownHandler {
            let renewer = Task { await self.renewLeases() }
            let maintainer = Task { await self.maintainQueue() }
            let deadlines = Task { await self.enforceDeadlines() }
            await withDiscardingTaskGroup { group in
                await self.fetchUntilStopped(group: &group)
                await self.drain()
            }
            await self.drainStartedDirectly()
            renewer.cancel()
            maintainer.cancel()
            deadlines.cancel()
            await renewer.value
            await maintainer.value
        } onGracefulShutdown: {
            self.beginShutdown()
        }
        executor.shutdown()
        logger.info("worker.stopped")
    }

    /// Stops fetching; `run()` then drains and returns.
    package func beginShutdown() {
        state.withLock { state in
            state.stopping = true
            state.running = false
        }
        doorbell.ring()
        let queue = self.queue
        Task { await queue.interruptWait() }
    }

    /// The queue's periodic upkeep (BullMQ's stalled check), on its own timer: independent of
    /// lease renewal and of plugin work.
    private func maintainQueue() async {
        guard let interval = queue.maintenanceInterval else { return }
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
            await queue.maintain()
        }
    }

    private var isStopping: Bool { state.withLock { $0.stopping } }

    private func fetchUntilStopped(group: inout DiscardingTaskGroup) async {
        var failures = 0
        await queue.maintain()
        while !isStopping {
            let reserved = reserveSlots()
            guard reserved > 0 else {
                await doorbell.wait(timeout: .milliseconds(config.pollIntervalMs))
                continue
            }
            let jobs: [LeasedJob]
            let excluding = fullTaskTypes()
            do {
                let (worker, lease) = (config.workerId, Duration.seconds(config.leaseSeconds))
                if let embedded {
                    // The lease and the tasks' start in one transaction.
                    jobs = try await embedded.leaseAndStart(workerId: worker, excluding: excluding, lease: lease, limit: reserved)
                } else {
                    jobs = await recordStarts(try await queue.fetch(workerId: worker, excluding: excluding, lease: lease, limit: reserved))
                }
                failures = 0
            } catch {
                releaseSlots(reserved, wake: false)
                failures += 1
                logger.error("queue.fetch.failed", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .milliseconds(min(100 * (1 << min(failures, 6)), 5000)))
                continue
            }
            releaseSlots(reserved - jobs.count, wake: false)
            guard !jobs.isEmpty else {
                if excluding.isEmpty || !queue.skipsExcludedTypes {
                    await waitForWork()
                } else {
                    // The jobs due may all be of types at their limit, which this queue skips
                    // while saying they are due now: the loop would spin. A job ending (or one
                    // added) rings the doorbell; other types' delayed jobs wait at most a poll
                    // interval.
                    await doorbell.wait(timeout: .milliseconds(config.pollIntervalMs))
                }
                continue
            }
            for job in jobs { start(job, in: &group) }
        }
    }

    /// Checks the fetched jobs' parameters and marks the tasks of those that will run processing,
    /// in one store write for the whole fetch instead of one per job. A job whose parameters are
    /// refused is set to fail unstarted; one whose start could not be written is left to
    /// `process`, which writes it on its own.
    private func recordStarts(_ fetched: [LeasedJob]) async -> [LeasedJob] {
        var jobs = fetched
        var starts: [TaskStart] = []
        var marked: [Int] = []
        for index in jobs.indices where jobs[index].deferredFailure == nil {
            let job = jobs[index]
            guard let route = registry.route(job.taskType) else { continue }
            let validator = Self.validator(of: route)
            if validatedAtSubmit.withLock({ $0[job.id] }) != validator {
                switch Self.checkParameters(of: job, on: route) {
                case .success(let parameters):
                    jobs[index].parameters = parameters
                    // Checked by this generation: `process` does not check it again unless a swap came between.
                    noteValidated(job.id, by: route)
                case .failure(let refusal):
                    jobs[index].deferredFailure = refusal.reason
                    continue
                }
            }
            // The parameters are stored as the queue holds them: valid JSON, checked above or at submit.
            starts.append(TaskStart(record: record(of: job, parameters: jobs[index].parameters ?? .null), attempt: job.attempt,
                                    parametersJSON: job.parametersJSON))
            marked.append(index)
        }
        guard !starts.isEmpty else { return jobs }
        let now = Date()
        do {
            try await store.markProcessing(starts, workerId: config.workerId, at: now)
            for index in marked { jobs[index].startRecorded = now }
        } catch {
            logger.error("store.write.failed", metadata: ["error": "\(error)"])
        }
        return jobs
    }

    /// Why a job's parameters are refused: the error it fails with, without running.
    private struct ParameterRefusal: Error {
        let reason: String
    }

    /// The job's parameters (parsed unless they already are) if they are JSON that its task
    /// type's schema accepts.
    private static func checkParameters(of job: LeasedJob, on route: PluginRegistry.Route) -> Result<JSONValue, ParameterRefusal> {
        let parameters: JSONValue
        do {
            parameters = try job.parameters ?? JSONValue.parse(job.parametersJSON)
        } catch {
            return .failure(ParameterRefusal(reason: "parameters are not valid JSON: \(error)"))
        }
        if let violations = route.taskType.schema?.validate(parameters), !violations.isEmpty {
            return .failure(ParameterRefusal(reason: "invalid parameters: " + violations.map(\.description).joined(separator: "; ")))
        }
        return .success(parameters)
    }

    /// Runs a leased job in the group, holding its slot (taken by the fetch) until it ends.
    private func start(_ job: LeasedJob, in group: inout DiscardingTaskGroup) {
        let run = prepareToRun(job)
        group.addTask { await run() }
    }

    /// Runs a job leased by a submit (`createAndEnqueue`), holding the slot the submit took. Not
    /// in the fetch loop's group: `run()` waits for these after it (`drainStartedDirectly`).
    private func startDirectly(_ job: LeasedJob) {
        let run = prepareToRun(job)
        Task { await run() }
    }

    /// Notes the job as leased and takes its limits when free (so the next fetch sees them
    /// taken); the returned closure waits for the limits still missing, runs the job, and gives
    /// everything back.
    private func prepareToRun(_ job: LeasedJob) -> @Sendable () async -> Void {
        // The same job leased again (its lease ran out while a run of it went on here, and the
        // queue gave it out anew): the older run is stale from now on.
        let stale = state.withLock { state -> LeasedJob? in
            defer { state.leased[job.id] = job }
            guard let previous = state.leased[job.id], previous.runKey != job.runKey else { return nil }
            return previous
        }
        if let stale { leaseLost(stale, reason: "leased again") }
        let route = registry.route(job.taskType)
        let limits = route.map(limiters(for:)) ?? []
        let held = limits.map { $0.tryAcquire() }
        return {
            var job = job
            var held = held
            if held.contains(false) {
                for index in held.indices where !held[index] {
                    held[index] = await limits[index].acquire(for: job.id)
                    if !held[index] { break }  // withdrawn: cancelled while waiting
                }
                // It waited for its plugin's limit: it starts now, not when it was leased.
                job.startRecorded = nil
            }
            if self.isSuperseded(job) {
                self.logger(for: job).warning("task.lease.lost.unstarted")
            } else if self.state.withLock({ $0.cancelledBeforeStart.remove(job.runKey) != nil || $0.cancelAsked.removeValue(forKey: job.id) != nil })
                        || job.cancelRequested {
                await self.finish(job, status: .cancelled, error: "cancelled", logger: self.logger(for: job))
            } else {
                await self.process(job)
            }
            for (limiter, taken) in zip(limits, held) where taken { limiter.release() }
            // Only this run's own entries: a newer run of the same job keeps its state.
            self.state.withLock { state in
                if state.leased[job.id]?.runKey == job.runKey { state.leased[job.id] = nil }
                state.settling.remove(job.runKey)
                state.superseded.remove(job.runKey)
                state.cancelledBeforeStart.remove(job.runKey)
            }
            self.releaseSlots(1)
        }
    }

    /// Waits for the queue to signal work, or for this process to add some (the doorbell).
    private func waitForWork() async {
        let limit = Duration.seconds(10)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.queue.waitForJobs(limit: limit) }
            group.addTask { await self.doorbell.wait(timeout: limit) }
            await group.next()
            group.cancelAll()
        }
    }

    /// Takes one free global slot for a job a submit may start, while `run()` runs.
    private func reserveSlot() -> Bool {
        state.withLock { state in
            guard state.running, !state.stopping, state.slots < config.maxConcurrentTasks else { return false }
            state.slots += 1
            return true
        }
    }

    /// Takes every free global slot (the fetch leases up to that many jobs); 0 when the worker is full.
    private func reserveSlots() -> Int {
        state.withLock { state in
            let free = max(config.maxConcurrentTasks - state.slots, 0)
            state.slots += free
            return free
        }
    }

    /// Task types whose plugin or own limit is reached: queues that can skip them do.
    private func fullTaskTypes() -> Set<String> {
        var full = Set<String>()
        for name in registry.taskTypeNames {
            guard let route = registry.route(name) else { continue }
            if !limiters(for: route).allSatisfy(\.hasCapacity) { full.insert(name) }
        }
        return full
    }

    /// The limits a job of this route takes, task type first (a fixed order, so two jobs can never
    /// each hold what the other waits for).
    private func limiters(for route: PluginRegistry.Route) -> [AsyncLimiter] {
        let wanted = [
            route.taskType.maxConcurrency.map { ("type:\(route.taskType.name):\($0)", $0) },
            route.plugin.spec.concurrencyLimit.map { ("plugin:\(route.plugin.spec.name):\($0)", $0) },
        ].compactMap { $0 }
        guard !wanted.isEmpty else { return [] }
        return limiterTable.withLock { table in
            wanted.map { key, limit in
                if let limiter = table[key] { return limiter }
                let limiter = AsyncLimiter(limit: limit)
                table[key] = limiter
                return limiter
            }
        }
    }

    /// Gives slots back; `wake` lets the fetch loop use them at once (not wanted when the fetch
    /// loop itself found nothing to do and is about to sleep).
    private func releaseSlots(_ count: Int, wake: Bool = true) {
        guard count > 0 else { return }
        state.withLock { $0.slots -= count }
        if wake { doorbell.ring() }
    }

    /// Runs one leased job to its end and records the outcome.
    private func process(_ job: LeasedJob) async {
        let logger = self.logger(for: job)
        if let reason = job.deferredFailure {
            return await failUnstarted(job, reason, logger: logger)
        }
        // The route as of now, counted on its generation: a job that starts after a hot swap runs
        // on the new generation, and the old one is not shut down under a running job.
        guard let route = registry.acquire(job.taskType) else {
            return await failUnstarted(job, "no loaded plugin serves task type '\(job.taskType)'", logger: logger)
        }
        defer { registry.finished(route) }
        // Jobs are validated when queued, but the queue may hold jobs from other producers or from
        // before a plugin changed its schema: those are checked again here.
        var parameters = job.parameters
        if validatedAtSubmit.withLock({ $0.removeValue(forKey: job.id) }) != Self.validator(of: route) {
            switch Self.checkParameters(of: job, on: route) {
            case .success(let checked): parameters = checked
            case .failure(let refusal): return await failUnstarted(job, refusal.reason, logger: logger)
            }
        }

        let timeout = min(job.timeoutSeconds ?? route.plugin.spec.timeoutSeconds ?? config.maxTaskTimeout, config.maxTaskTimeout)
        let startedAt = job.startRecorded ?? Date()
        var job = job
        job.startedAt = startedAt
        let sink = JobSink(job: job, store: store, queue: queue, events: events, logger: logger, callbacks: executor)
        let task = RunningTask(id: job.id, taskType: job.taskType, deadline: startedAt.addingTimeInterval(timeout),
                               info: taskInfo(of: job, startedAt: startedAt), logger: logger, sink: sink)
        let handle = TaskHandle(pointer: TaskHandleTable.shared.register(task))
        let active = ActiveJob(job: job, route: route, task: task, handle: handle)
        // A cancel that came after the check in `start` but before this finds it active from now
        // on; a run whose lease went in the meantime does not start.
        let (cancelledEarly, current) = state.withLock { state in
            guard !state.superseded.contains(job.runKey) else { return (false, false) }
            state.active[job.id] = active
            let cancelled = state.cancelledBeforeStart.remove(job.runKey) != nil || state.cancelAsked.removeValue(forKey: job.id) != nil
            return (cancelled, true)
        }
        guard current else {
            TaskHandleTable.shared.remove(handle.pointer)
            return logger.warning("task.lease.lost.unstarted")
        }
        if cancelledEarly { interrupt(active, .cancelled) }
        defer { state.withLock { state in if state.active[job.id] === active { state.active[job.id] = nil } } }

        if job.startRecorded == nil {
            do {
                // Creates the record too when another producer queued the job: one write, no read.
                try await store.markProcessing(record(of: job, parameters: parameters), attempt: job.attempt, workerId: config.workerId, at: startedAt)
            } catch {
                logger.error("store.write.failed", metadata: ["error": "\(error)"])
            }
        }
        publish("task.processing", id: job.id, taskType: job.taskType, data: ["attempt": .number(Double(job.attempt)), "worker_id": .string(config.workerId)],
                conversationId: job.conversationId)
        logger.debug("task.started")

        let params = Array(job.parametersJSON.utf8)
        let plugin = route.plugin
        let typeIndex = route.taskType.index
        executor.submit {
            let status = plugin.execute(typeIndex: typeIndex, task: handle.pointer, params: params)
            settleReturn(handle.pointer, status: status)
        }
        let outcome = await task.outcome()
        await record(outcome, of: active, timeout: timeout, logger: logger)
    }

    /// What the plugin learns about its task through the ABI's task_info.
    private func taskInfo(of job: LeasedJob, startedAt: Date) -> TaskInfo {
        var info = TaskInfo()
        info.attempt = job.attempt
        info.maxAttempts = job.maxAttempts
        info.stalledCount = job.stalledCount
        info.queue = config.queueName
        info.conversationId = job.conversationId
        info.parentId = job.parentId
        info.createdAt = job.createdAt
        info.startedAt = startedAt
        return info
    }

    /// Interrupts the jobs whose deadline passed, every 50 ms. One loop for all jobs: a task per
    /// job sleeping until its deadline keeps its timer (and memory) alive until the timeout even
    /// when the job ended long before, which grew the heap with every job.
    private func enforceDeadlines() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(50))
            let expired = state.withLock { state in
                state.active.values.filter { active in active.reason == .none && active.task.isPastDeadline }
            }
            for active in expired { interrupt(active, .timedOut) }
        }
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
                // The handle is gone first, so a process killed now cannot report this job as crashed.
                let action = plugin.abandon(task: handle.pointer)
                let reason = "the plugin did not stop" + (action.map { "; \($0)" } ?? "")
                // Noted before the outcome is delivered, so the error recorded for the job says it.
                active.markAbandoned(reason)
                if !active.task.finish(.failure(.cancelled, reason)) {
                    active.markAbandoned(nil)  // it ended by itself in the meantime
                } else {
                    logger.warning("plugin.unresponsive", metadata: ["task.id": "\(active.job.id)", "plugin": "\(plugin.name)", "action": "\(action ?? "none")"])
                }
            }
        }
    }

    /// Writes the outcome: completed, retry, failed, cancelled, or back to the queue on shutdown.
    private func record(_ outcome: PluginOutcome, of active: ActiveJob, timeout: Double, logger: Logger) async {
        let job = active.job
        // Its lease went to a newer run (here or elsewhere): that run's outcome is the job's.
        if active.reason == .leaseLost || isSuperseded(job) {
            return logger.warning("task.lease.lost.dropped", metadata: ["plugin.status": "\(outcome.status)"])
        }
        // The outcomes not written by `finish` mark the job settling themselves.
        switch active.reason {
        case .released:
            settling(job)
            await persistStore(logger) {
                try await self.store.markPending(id: job.id, error: nil, attempts: job.attempt - 1, runAt: nil, creating: self.start(of: job))
            }
            await persist(logger, givingUp: ()) { try await self.queue.release(job, workerId: self.config.workerId) }
            publish("task.pending", id: job.id, taskType: job.taskType, data: ["reason": "returned to the queue at shutdown"],
                    conversationId: job.conversationId)
            logger.info("task.released")
            return
        case .cancelled where outcome.status != .ok:
            await finish(job, status: .cancelled, error: "cancelled", logger: logger)
            return
        default:
            break
        }
        if outcome.status == .ok {
            let text = outcome.resultJSON ?? "null"
            do {
                let result = try JSONValue.parse(text)
                await finish(job, status: .completed, result: result, resultJSON: text, logger: logger)
            } catch {
                await finish(job, status: .failed, error: "plugin returned a result that is not valid JSON: \(error)", logger: logger)
            }
            return
        }
        // The plugin may notice the deadline (is_cancelled, deadline_ms) before the watchdog does.
        let timedOut = active.reason == .timedOut || (active.reason == .none && active.task.isPastDeadline)
        let error = timedOut ? "timed out after \(Self.seconds(timeout))" + (active.abandonment.map { " (\($0))" } ?? "")
            : (outcome.error ?? "failed")
        // What the plugin reported beside its error (an exit code, an HTTP status) stays with it.
        let failedResult = outcome.resultJSON.map { text in (try? JSONValue.parse(text)) ?? .string(text) }
        if (timedOut || outcome.status.isRetryable) && job.attempt < job.maxAttempts && !isStopping {
            let delay = job.backoff.delay(afterAttempt: job.attempt)
            let runAt = Date().addingTimeInterval(Double(delay) / 1000)
            settling(job)
            // The store first: if it is down the job stays leased (and runs again after its lease)
            // rather than being retried with no record of the failed attempt.
            guard await persistStore(logger, {
                try await self.store.markPending(id: job.id, error: error, attempts: job.attempt, runAt: runAt, creating: self.start(of: job))
            }) else { return }
            let owned = await persist(logger, givingUp: false) {
                try await self.queue.retry(job, workerId: self.config.workerId, reason: error, delayMs: delay)
            }
            guard owned else { return lostOwnership(job, logger) }
            var data: [String: JSONValue] = [
                "attempt": .number(Double(job.attempt)), "error": .string(error), "next_attempt_at": .string(ISO8601.format(runAt)),
            ]
            if let failedResult { data["result"] = failedResult }
            publish("task.retrying", id: job.id, taskType: job.taskType, data: data, conversationId: job.conversationId)
            logger.info("task.retrying", metadata: ["error": "\(error)", "task.delay_ms": "\(delay)"])
            doorbell.ring()
            return
        }
        await finish(job, status: .failed, result: failedResult, resultJSON: failedResult?.serialized(), error: error, logger: logger)
    }

    /// Records a final outcome in the queue and the store.
    private func finish(_ job: LeasedJob, status: TaskStatus, result: JSONValue? = nil, resultJSON: String? = nil,
                        error: String? = nil, logger: Logger) async {
        if isSuperseded(job) { return logger.warning("task.lease.lost.dropped") }
        settling(job)
        let owned: Bool
        var recorded: TaskRecord?
        if let embedded {
            // One transaction: the queue lets go of the job and the outcome is recorded together.
            let finished = await persist(logger, givingUp: EmbeddedWrites.Finished.lost) {
                try await self.trackingStore {
                    try await embedded.finish(job, workerId: self.config.workerId, status: status, result: result, error: error, at: Date())
                }
            }
            if case .recorded(let record) = finished {
                owned = true
                recorded = record
            } else {
                owned = false
            }
        } else {
            // nil: the store write gave up at shutdown; the job stays leased and runs again later.
            guard let separately = await finishSeparately(job, status: status, result: result, resultJSON: resultJSON, error: error, logger: logger) else {
                return
            }
            owned = separately
        }
        guard owned else { return lostOwnership(job, logger) }
        var data: [String: JSONValue] = ["attempt": .number(Double(job.attempt))]
        if let result { data["result"] = result }
        if let error { data["error"] = .string(error) }
        publish("task.\(status.rawValue)", id: job.id, taskType: job.taskType, data: data, conversationId: job.conversationId, record: recorded)
        if status == .completed {
            logger.debug("task.completed")
        } else {
            logger.info("task.\(status.rawValue)", metadata: ["error": "\(error ?? "")"])
        }
    }

    /// The store and the queue written one after the other; false if the worker lost the job,
    /// nil if the store write gave up (shutdown).
    private func finishSeparately(_ job: LeasedJob, status: TaskStatus, result: JSONValue?, resultJSON: String?, error: String?,
                                  logger: Logger) async -> Bool? {
        // The outcome is recorded before the queue lets go of the job: if the store is down, the
        // write is retried, and at shutdown the job stays leased so it runs again later.
        guard await persistStore(logger, {
            try await self.store.markFinished(id: job.id, status: status, result: result, error: error, at: Date(), creating: self.start(of: job))
        }) else {
            return nil
        }
        return await persist(logger, givingUp: false) {
            let worker = self.config.workerId
            switch status {
            case .completed: return try await self.queue.complete(job, workerId: worker, resultJSON: resultJSON ?? "null")
            case .cancelled: return try await self.queue.finishCancelled(job, workerId: worker, reason: error ?? "cancelled")
            default: return try await self.queue.fail(job, workerId: worker, reason: error ?? "failed", resultJSON: resultJSON)
            }
        }
    }

    /// What the store creates the task's record from when it has none (the start could not be
    /// written: the store was down when the job was picked up): the finish is then an upsert.
    private func start(of job: LeasedJob) -> TaskStart {
        // The parameters go in as the queue holds them when they are JSON (parsed when the job
        // was checked); text that is not JSON is stored as a string, as `record(of:)` does.
        let parameters = job.parameters ?? (try? JSONValue.parse(job.parametersJSON))
        return TaskStart(record: record(of: job, parameters: parameters ?? .string(job.parametersJSON)), attempt: job.attempt,
                         parametersJSON: parameters == nil ? nil : job.parametersJSON, workerId: config.workerId, startedAt: job.startedAt)
    }

    /// Notes that the job's outcome is being written (before the write, so a renewal that then
    /// misses the job knows why).
    private func settling(_ job: LeasedJob) {
        state.withLock { _ = $0.settling.insert(job.runKey) }
    }

    private func isSuperseded(_ job: LeasedJob) -> Bool {
        state.withLock { $0.superseded.contains(job.runKey) }
    }

    /// This run's lease is gone (a renewal found it lost, or the queue leased the job again):
    /// it is told to stop through the plugin's cancel path, or, not started yet, never starts;
    /// either way nothing it ends with is written.
    private func leaseLost(_ job: LeasedJob, reason: String) {
        let active = state.withLock { state -> ActiveJob? in
            guard !state.settling.contains(job.runKey), state.superseded.insert(job.runKey).inserted else { return nil }
            if state.leased[job.id]?.runKey == job.runKey { state.leased[job.id] = nil }
            return state.active[job.id].flatMap { $0.job.runKey == job.runKey ? $0 : nil }
        }
        logger.warning("task.lease.lost", metadata: ["task.id": "\(job.id)", "reason": "\(reason)", "task.running": "\(active != nil)"])
        if let active {
            interrupt(active, .leaseLost)
        } else if let route = registry.route(job.taskType) {
            for limiter in limiters(for: route) { limiter.withdraw(job.id) }
        }
    }

    /// Another worker owns the job now (this worker's lease ran out): its run counts, not ours.
    private func lostOwnership(_ job: LeasedJob, _ logger: Logger) {
        logger.warning("task.ownership.lost")
    }

    /// Fails a job before its plugin ran (the queue said so, no plugin serves it, or its
    /// parameters are wrong), giving it a record first if another producer queued it.
    private func failUnstarted(_ job: LeasedJob, _ reason: String, logger: Logger) async {
        await ensureRecord(of: job, logger: logger)
        await finish(job, status: .failed, error: reason, logger: logger)
    }

    /// Gives a job that no one recorded (added by another producer) a record, so `GET /task/{id}`
    /// finds it.
    private func ensureRecord(of job: LeasedJob, logger: Logger) async {
        do {
            if try await store.get(id: job.id) != nil { return }
            _ = try await store.create(record(of: job))
        } catch {
            logger.error("store.write.failed", metadata: ["error": "\(error)"])
        }
    }

    /// The record of a job this store may not know yet (queued by another producer); its
    /// parameters are parsed here unless given (text that is not JSON is kept as a string).
    private func record(of job: LeasedJob, parameters: JSONValue? = nil) -> TaskRecord {
        let parameters = parameters ?? (try? JSONValue.parse(job.parametersJSON)) ?? .string(job.parametersJSON)
        var options = JobOptions()
        options.attempts = job.maxAttempts
        options.backoff = job.backoff
        options.timeoutSeconds = job.timeoutSeconds
        return TaskRecord(id: job.id, queue: config.queueName, taskType: job.taskType, parameters: parameters,
                          options: options, createdAt: job.createdAt ?? Date())
    }

    /// Why the store is failing, if it is: `/health` reports `degraded` with it.
    package var storeProblem: String? { storeFailure.withLock { $0 } }
    private let storeFailure = Mutex<String?>(nil)

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
            storeFailure.withLock { $0 = nil }
            return value
        } catch {
            storeFailure.withLock { $0 = "store writes are failing: \(error)" }
            throw error
        }
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
                if isStopping && delay > 1 { return fallback }
                try? await Task.sleep(for: .seconds(delay))
                delay = min(delay * 2, 5)
            }
        }
    }

    private func publish(_ type: String, id: String, taskType: String, data: [String: JSONValue] = [:], conversationId: String? = nil,
                         record: TaskRecord? = nil) {
        events.publish(TaskEvent(type: type, taskId: id, taskType: taskType, data: .object(data), conversationId: conversationId, record: record))
    }

    /// The worker's logger with the job's id, task type and attempt.
    private func logger(for job: LeasedJob) -> Logger {
        // Set directly, without a dictionary literal and string interpolation: made once a job,
        // it was a visible share of a no-op job's CPU.
        var logger = self.logger
        logger[metadataKey: "task.id"] = .string(job.id)
        logger[metadataKey: "task.type"] = .string(job.taskType)
        logger[metadataKey: "task.attempt"] = .stringConvertible(job.attempt)
        return logger
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
            let leased = state.withLock { state in
                // A cancel for a fetch that never came back here (it failed) is forgotten.
                let stale = ContinuousClock.now - .seconds(config.leaseSeconds)
                state.cancelAsked = state.cancelAsked.filter { $0.value > stale }
                return Array(state.leased.values)
            }
            guard !leased.isEmpty else { continue }
            do {
                let renewal = try await queue.renewLeases(leased, workerId: config.workerId, lease: .seconds(config.leaseSeconds))
                let active = state.withLock { $0.active }
                for id in renewal.cancelRequested {
                    if let job = active[id] { interrupt(job, .cancelled) } else { _ = cancelBeforeStart(id) }
                }
                // A job that finished while the renewal was on its way is gone from the queue
                // too: only runs still held here, by the lease renewed, were lost.
                let sent = Dictionary(leased.map { ($0.id, $0.runKey) }, uniquingKeysWith: { $1 })
                let lost = state.withLock { state in
                    renewal.lost.compactMap { id in state.leased[id].flatMap { $0.runKey == sent[id] ? $0 : nil } }
                }
                for job in lost { leaseLost(job, reason: "lease renewal found it lost") }
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

    /// After the fetch loop's group: waits for the jobs started by submits (each holds a slot),
    /// returning to the queue any that still run (one may have started as shutdown began).
    private func drainStartedDirectly() async {
        while state.withLock({ $0.slots }) > 0 {
            for active in state.withLock({ Array($0.active.values) }) { interrupt(active, .released) }
            await doorbell.wait(timeout: .milliseconds(100))
        }
    }
}

extension Logger {
    func with(_ metadata: Logger.Metadata) -> Logger {
        var copy = self
        for (key, value) in metadata { copy[metadataKey: key] = value }
        return copy
    }
}
