import Foundation
import Logging
import PluginAPI

/// One leased job's run: its limits, its parameters checked for the plugin generation that runs
/// it, the plugin call on a blocking thread, and its interruption (cancel, timeout, shutdown, lost
/// lease) with a grace period after which the plugin is abandoned. The outcome goes to the
/// recorder, which may hand back the worker's next job.
struct JobExecution: Sendable {
    let config: WorkerConfig
    let registry: PluginRegistry
    let store: any TaskStore
    let queue: any JobQueue
    let events: TaskEventPublisher
    let executor: BlockingExecutor
    let state: DispatchState
    let recorder: OutcomeRecorder
    let logger: Logger

    /// A leased job with the limits it took when it was taken in (so the next fetch sees them
    /// taken) and those it still has to wait for.
    struct Prepared: Sendable {
        var job: LeasedJob
        let limits: [AsyncLimiter]
        let held: [Bool]
    }

    /// Notes the job as held and takes its limits where free.
    func prepare(_ job: LeasedJob) -> Prepared {
        let stale = state.book.withLock { $0.leased(job) }
        if let stale { leaseLost(stale, reason: "leased again") }
        let limits = registry.route(job.taskType).map(state.limiters.limiters(for:)) ?? []
        return Prepared(job: job, limits: limits, held: limits.map { $0.tryAcquire() })
    }

    /// Runs the job and the ones its finishes lease next on the same slot (fetch-next), then
    /// gives the slot back.
    func runChain(_ first: Prepared) async {
        var next: Prepared? = first
        while let prepared = next {
            next = await run(prepared)
        }
        state.releaseSlots(1)
    }

    /// Waits for the limits still missing, runs the job and gives its limits back; returns the
    /// job its finish leased next, which keeps this one's slot.
    private func run(_ prepared: Prepared) async -> Prepared? {
        var job = prepared.job
        var held = prepared.held
        let limits = prepared.limits
        if held.contains(false) {
            for index in held.indices where !held[index] {
                held[index] = await limits[index].acquire(for: LimiterTable.waiter(job.runKey))
                if !held[index] { break }  // withdrawn: cancelled while waiting
            }
            // It waited for its limit: it starts now, not when it was leased.
            job.startRecorded = nil
        }
        var next: LeasedJob?
        if state.book.withLock({ $0.isSuperseded(job) }) {
            logger(for: job).warning("task.lease.lost.unstarted")
        } else if state.book.withLock({ $0.takeCancelBeforeStart(job) }) {
            next = await recorder.finish(job, status: .cancelled, error: "cancelled", logger: logger(for: job))
        } else {
            next = await process(job)
        }
        for (limiter, taken) in zip(limits, held) where taken { limiter.release() }
        state.book.withLock { $0.forget(job) }
        return next.map(prepare)
    }

    /// Runs one leased job's plugin and records the outcome.
    private func process(_ leased: LeasedJob) async -> LeasedJob? {
        let logger = self.logger(for: leased)
        if let reason = leased.deferredFailure {
            return await recorder.failUnstarted(leased, reason, logger: logger)
        }
        // The route as of now, counted on its generation: a job that starts after a hot swap runs
        // on the new generation, and the old one is not shut down under a running job.
        guard let route = registry.acquire(leased.taskType) else {
            return await recorder.failUnstarted(leased, "no loaded plugin serves task type '\(leased.taskType)'", logger: logger)
        }
        defer { registry.finished(route) }
        // Checked when submitted or taken in; again only when another generation runs it.
        var job: LeasedJob
        switch ParameterCheck.check(leased, on: route) {
        case .success(let checked): job = checked
        case .failure(let refusal): return await recorder.failUnstarted(leased, refusal.reason, logger: logger)
        }

        let timeout = min(job.timeoutSeconds ?? route.plugin.spec.timeoutSeconds ?? config.maxTaskTimeout, config.maxTaskTimeout)
        let startedAt = job.startRecorded ?? Date()
        job.startedAt = startedAt
        let sink = JobSink(job: job, store: store, queue: queue, events: events.bus, logger: logger, callbacks: executor, inbox: state.inbox)
        let task = RunningTask(id: job.id, taskType: job.taskType, deadline: startedAt.addingTimeInterval(timeout),
                               info: taskInfo(of: job, startedAt: startedAt), logger: logger, sink: sink)
        let handle = TaskHandle(pointer: TaskHandleTable.shared.register(task))
        let active = ActiveJob(job: job, route: route, task: task, handle: handle)
        // A cancel that came after the check in `run` but before this finds it active from now
        // on; a run whose lease went in the meantime does not start.
        let begin = state.book.withLock { $0.begin(job, run: active, deadline: .now + .seconds(timeout)) }
        if begin == .drop {
            TaskHandleTable.shared.remove(handle.pointer)
            logger.warning("task.lease.lost.unstarted")
            return nil
        }
        if begin == .runCancelled { interrupt(active, .cancelled) }
        defer { state.book.withLock { $0.endRun(job) } }

        if job.startRecorded == nil {
            recorder.noteStart(of: job, at: startedAt)
        }
        recorder.metrics.jobStarted(job, at: startedAt)
        events.publish("task.processing", id: job.id, taskType: job.taskType,
                       data: ["attempt": .number(Double(job.attempt)), "worker_id": .string(config.workerId)], conversationId: job.conversationId)
        logger.debug("task.started")

        let params = Array(job.parametersJSON.utf8)
        let plugin = route.plugin
        let typeIndex = route.taskType.index
        executor.submit {
            let status = plugin.execute(typeIndex: typeIndex, task: handle.pointer, params: params)
            settleReturn(handle.pointer, status: status)
        }
        let outcome = await task.outcome()
        return await recorder.record(outcome, of: active, timeout: timeout, logger: logger)
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

    // MARK: - Interrupting

    /// Acts on what the book decided about a run asked to stop.
    func apply(_ action: DispatchBook<ActiveJob>.StopAction, _ reason: ActiveJob.Interruption) {
        switch action {
        case .interrupt(let active): interrupt(active, reason)
        case .withdraw(let key, let taskType): state.limiters.withdraw(key, taskType: taskType, registry: registry)
        case .none: break
        }
    }

    /// This run's lease is gone (a renewal found it lost, or the queue leased the job again).
    func leaseLost(_ job: LeasedJob, reason: String) {
        lost(job, state.book.withLock { $0.leaseLost(job) }, reason: reason)
    }

    /// Acts on what the book decided about a run whose lease is gone: told to stop, or, not
    /// started yet, never started.
    func lost(_ job: LeasedJob, _ action: DispatchBook<ActiveJob>.StopAction, reason: String) {
        var running = false
        switch action {
        case .none: return
        case .interrupt: running = true
        case .withdraw: break
        }
        logger.warning("task.lease.lost", metadata: ["task.id": "\(job.id)", "reason": "\(reason)", "task.running": "\(running)"])
        apply(action, .leaseLost)
    }

    /// Asks the plugin to stop; if it has not finished within the grace period, the job is ended
    /// anyway (the plugin's thread is abandoned, and its late `complete` is dropped).
    func interrupt(_ active: ActiveJob, _ reason: ActiveJob.Interruption) {
        guard active.interrupt(reason) else { return }
        let plugin = active.route.plugin
        let handle = active.handle
        executor.submit { plugin.cancel(task: handle.pointer) }
        let grace = config.cancelGraceSeconds
        let logger = self.logger
        state.inbox.submit {
            try? await Task.sleep(for: .seconds(grace))
            guard !active.task.isFinished else { return }
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

    /// The worker's logger with the job's id, task type and attempt.
    func logger(for job: LeasedJob) -> Logger {
        // Set directly, without a dictionary literal and string interpolation: made once a job,
        // it was a visible share of a no-op job's CPU.
        var logger = self.logger
        logger[metadataKey: "task.id"] = .string(job.id)
        logger[metadataKey: "task.type"] = .string(job.taskType)
        logger[metadataKey: "task.attempt"] = .stringConvertible(job.attempt)
        return logger
    }
}
