import Foundation
import Logging
import ServiceLifecycle

/// Takes jobs from the queue and runs them, as one task group that owns everything the worker does
/// in the background: the fetch loop, lease renewal, the queue's upkeep, the deadline watchdog, the
/// batched start records, and the work handed in from outside (jobs leased by a submit, grace
/// periods of interrupted plugins). At shutdown it stops fetching, lets running jobs finish for up
/// to `shutdownTimeout`, returns the rest to the queue, and only then ends the group.
final class JobConsumer: Sendable {
    let config: WorkerConfig
    let registry: PluginRegistry
    let queue: any JobQueue
    let embedded: EmbeddedWrites?
    let state: DispatchState
    let execution: JobExecution
    let recorder: OutcomeRecorder
    let logger: Logger

    init(config: WorkerConfig, registry: PluginRegistry, queue: any JobQueue, embedded: EmbeddedWrites?, state: DispatchState,
         execution: JobExecution, recorder: OutcomeRecorder, logger: Logger) {
        self.config = config
        self.registry = registry
        self.queue = queue
        self.embedded = embedded
        self.state = state
        self.execution = execution
        self.recorder = recorder
        self.logger = logger
    }

    // MARK: - Running

    func run() async {
        state.book.withLock { $0.start() }
        await withDiscardingTaskGroup { group in
            group.addTask { await self.state.inbox.runAll() }
            group.addTask { await self.renewLeases() }
            group.addTask { await self.maintainQueue() }
            group.addTask { await self.enforceDeadlines() }
            group.addTask { await self.recorder.starts.run() }
            await self.fetchUntilStopped(group: &group)
            await self.drain()
            // What still runs goes back to the queue (each run records its release). Jobs started
            // from submits or by fetch-next hold slots too: every slot is given back before the
            // group's background work ends.
            while state.book.withLock({ $0.slots }) > 0 {
                for active in state.book.withLock({ $0.activeRuns }) { execution.interrupt(active, .released) }
                await state.doorbell.wait(timeout: .milliseconds(100))
            }
            state.inbox.close()
            group.cancelAll()
        }
    }

    /// Stops fetching; `run()` then drains and returns.
    func beginShutdown() {
        state.book.withLock { $0.stop() }
        state.doorbell.ring()
        let queue = self.queue
        state.inbox.submit { await queue.interruptWait() }
    }

    var activeCount: Int { state.book.withLock { $0.activeCount } }

    // MARK: - Slots, for the submitter

    /// Takes one free slot for a job a submit may start, while `run()` runs.
    func reserveSlot() -> Bool { !state.isDraining && state.book.withLock { $0.reserveSlot() } }

    func releaseSlot() { state.releaseSlots(1, wake: false) }

    func fullTaskTypes() -> Set<String> { state.limiters.fullTaskTypes(of: registry) }

    /// Wakes the fetch loop: there is work.
    func wake() { state.doorbell.ring() }

    /// Runs a job a submit leased (holding the slot the submit took) in the consumer's group.
    func startSubmitted(_ job: LeasedJob) {
        let prepared = execution.prepare(job)
        state.inbox.submit { await self.execution.runChain(prepared) }
    }

    // MARK: - Cancelling

    /// A cancel for a job this worker may hold: true when it does (running, or leased and not
    /// started: it then ends cancelled without running).
    func cancelHere(_ id: String) -> Bool {
        let action = state.book.withLock { $0.cancel(id) }
        if case .none = action { return false }
        execution.apply(action, .cancelled)
        return true
    }

    /// A cancel for a job the queue says is leased to this worker, which may not have taken it in
    /// yet: it ends cancelled as soon as it is.
    func cancelLeasedHere(_ id: String) {
        let action = state.book.withLock { $0.cancelLeasedHere(id, now: .now) }
        execution.apply(action, .cancelled)
    }

    // MARK: - Fetching

    private func fetchUntilStopped(group: inout DiscardingTaskGroup) async {
        var failures = 0
        await queue.maintain()
        while !state.isStopping {
            if state.isDraining {
                await state.doorbell.wait(timeout: .milliseconds(config.pollIntervalMs))
                continue
            }
            let reserved = state.book.withLock { $0.reserveSlots() }
            guard reserved > 0 else {
                await state.doorbell.wait(timeout: .milliseconds(config.pollIntervalMs))
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
                    jobs = try await queue.fetch(workerId: worker, excluding: excluding, lease: lease, limit: reserved)
                }
                failures = 0
            } catch {
                state.releaseSlots(reserved, wake: false)
                failures += 1
                logger.error("queue.fetch.failed", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .milliseconds(min(100 * (1 << min(failures, 6)), 5000)))
                continue
            }
            state.releaseSlots(reserved - jobs.count, wake: false)
            guard !jobs.isEmpty else {
                if excluding.isEmpty || !queue.skipsExcludedTypes {
                    await waitForWork()
                } else {
                    // The jobs due may all be of types at their limit, which this queue skips
                    // while saying they are due now: the loop would spin. A job ending (or one
                    // added) rings the doorbell; other types' delayed jobs wait at most a poll
                    // interval.
                    await state.doorbell.wait(timeout: .milliseconds(config.pollIntervalMs))
                }
                continue
            }
            for job in jobs {
                let prepared = execution.prepare(job)
                group.addTask { await self.execution.runChain(prepared) }
            }
        }
    }

    /// Waits for the queue to signal work, or for this process to add some (the doorbell).
    private func waitForWork() async {
        let limit = Duration.seconds(10)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.queue.waitForJobs(limit: limit) }
            group.addTask { await self.state.doorbell.wait(timeout: limit) }
            await group.next()
            group.cancelAll()
        }
    }

    // MARK: - Background work

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

    /// Interrupts the jobs whose deadline passed, every 50 ms. One loop for all jobs: a task per
    /// job sleeping until its deadline keeps its timer (and memory) alive until the timeout even
    /// when the job ended long before, which grew the heap with every job.
    private func enforceDeadlines() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(50))
            let expired = state.book.withLock { $0.pastDeadline(now: .now) }
            for active in expired { execution.interrupt(active, .timedOut) }
        }
    }

    /// Renews the leases of held jobs every third of the lease, until cancelled (after the last
    /// job has been recorded).
    private func renewLeases() async {
        let lease = Duration.seconds(config.leaseSeconds)
        let interval = max(config.leaseSeconds / 3, 0.1)
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: .seconds(interval))
            } catch {
                return
            }
            let leased = state.book.withLock { $0.leasesToRenew(now: .now, lease: lease) }
            guard !leased.isEmpty else { continue }
            do {
                let renewal = try await queue.renewLeases(leased, workerId: config.workerId, lease: lease)
                let (cancels, lost) = state.book.withLock { $0.renewed(leased, cancelRequested: renewal.cancelRequested, lost: renewal.lost) }
                for action in cancels { execution.apply(action, .cancelled) }
                for (job, action) in lost { execution.lost(job, action, reason: "lease renewal found it lost") }
            } catch {
                logger.error("queue.renew.failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Waits for running jobs to finish, up to `shutdownTimeout`.
    private func drain() async {
        let deadline = ContinuousClock.now + .seconds(config.shutdownTimeout)
        if activeCount > 0 { logger.info("worker.draining", metadata: ["worker.active": "\(activeCount)"]) }
        while activeCount > 0 && ContinuousClock.now < deadline {
            await state.doorbell.wait(timeout: .milliseconds(100))
        }
    }
}
