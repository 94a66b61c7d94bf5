/// The dispatcher's bookkeeping — slots, leases, runs, cancels and deadlines — as a value. Each
/// event is a mutating call that returns what the caller must do (interrupt a run, withdraw a job
/// from its limiter's line, run it, drop it); the book does no I/O and reads no clock (the time is
/// passed in), so every rule here is unit-tested as is, as async-http-client's state machines are.
///
/// `Run` is what the caller interrupts a running job through (`ActiveJob` in the worker).
package struct DispatchBook<Run: Sendable>: Sendable {
    package typealias RunKey = LeasedJob.RunKey

    /// Jobs the worker may hold at once (fetched, waiting for a limit, or running).
    package let capacity: Int
    /// Jobs being fetched or held: a slot is taken before the fetch, so the worker never leases
    /// more jobs than it can run.
    package private(set) var slots = 0
    /// Between the start of the consumer and its shutdown: jobs may be started from a submit.
    package private(set) var running = false
    package private(set) var stopping = false

    /// Every job leased to this worker, running or waiting for a limit, by its current lease:
    /// what lease renewal covers.
    private var leased: [String: LeasedJob] = [:]
    /// The run of each job this worker holds the current lease of.
    private var active: [String: ActiveEntry] = [:]
    /// Runs whose lease is gone (found lost at a renewal, or the job leased again): told to stop,
    /// and whatever they end with is dropped.
    private var superseded: Set<RunKey> = []
    /// Runs whose outcome is being written: the queue lets go of them before they leave `leased`,
    /// so a renewal that no longer finds them has not lost them.
    private var settling: Set<RunKey> = []
    /// Leased runs cancelled before they started: they end as cancelled without running.
    private var cancelledBeforeStart: Set<RunKey> = []
    /// Cancels asked for while the queue held the job leased to this worker but this worker had
    /// not taken it in yet (its fetch was on its way back), by when they were asked.
    private var cancelAsked: [String: ContinuousClock.Instant] = [:]

    private struct ActiveEntry {
        let key: RunKey
        let run: Run
        let deadline: ContinuousClock.Instant
        var deadlinePassed = false
    }

    package init(capacity: Int) {
        self.capacity = capacity
    }

    // MARK: - Starting and stopping

    package mutating func start() { running = !stopping }

    package mutating func stop() {
        stopping = true
        running = false
    }

    // MARK: - Slots

    /// Takes one free slot for a job a submit may start, while the consumer runs.
    package mutating func reserveSlot() -> Bool {
        guard running, !stopping, slots < capacity else { return false }
        slots += 1
        return true
    }

    /// Takes every free slot (a fetch leases up to that many jobs); 0 when the worker is full.
    package mutating func reserveSlots() -> Int {
        let free = max(capacity - slots, 0)
        slots += free
        return free
    }

    package mutating func releaseSlots(_ count: Int) {
        slots -= count
        precondition(slots >= 0, "more slots released than taken")
    }

    // MARK: - A run's life

    /// A job was leased to this worker (by a fetch, a submit, or a finish's fetch-next). Returns
    /// the older run of the same job still held here (its lease ran out and the queue gave the
    /// job out anew), which the caller treats as lost.
    package mutating func leased(_ job: LeasedJob) -> LeasedJob? {
        defer { leased[job.id] = job }
        guard let previous = leased[job.id], previous.runKey != job.runKey else { return nil }
        return previous
    }

    /// Whether a leased run that has not started must end as cancelled (asked before it started,
    /// or before this worker took it in); consumes the request.
    package mutating func takeCancelBeforeStart(_ job: LeasedJob) -> Bool {
        let asked = cancelledBeforeStart.remove(job.runKey) != nil
        let askedUnfetched = cancelAsked.removeValue(forKey: job.id) != nil
        return asked || askedUnfetched || job.cancelRequested
    }

    package enum Begin: Equatable {
        /// Run it.
        case run
        /// Run it, and interrupt it at once as cancelled (the cancel came as it started).
        case runCancelled
        /// Its lease is gone: do not start it.
        case drop
    }

    /// The run's plugin is about to be called; it times out at `deadline`.
    package mutating func begin(_ job: LeasedJob, run: Run, deadline: ContinuousClock.Instant) -> Begin {
        guard !superseded.contains(job.runKey) else { return .drop }
        active[job.id] = ActiveEntry(key: job.runKey, run: run, deadline: deadline)
        return takeCancelBeforeStart(job) ? .runCancelled : .run
    }

    /// The run's outcome is being written (before the write, so a renewal that then misses the
    /// job knows why).
    package mutating func settle(_ job: LeasedJob) {
        settling.insert(job.runKey)
    }

    package func isSuperseded(_ job: LeasedJob) -> Bool {
        superseded.contains(job.runKey)
    }

    /// The run's plugin call is over.
    package mutating func endRun(_ job: LeasedJob) {
        if active[job.id]?.key == job.runKey { active[job.id] = nil }
    }

    /// The run is over and recorded: forgets it (a newer run of the same job keeps its entries).
    /// Its slot stays taken: it passes to the job its finish leased next, or the caller gives it
    /// back (`releaseSlots`).
    package mutating func forget(_ job: LeasedJob) {
        if leased[job.id]?.runKey == job.runKey { leased[job.id] = nil }
        if active[job.id]?.key == job.runKey { active[job.id] = nil }
        settling.remove(job.runKey)
        superseded.remove(job.runKey)
        cancelledBeforeStart.remove(job.runKey)
    }

    // MARK: - Cancels and lost leases

    /// A cancel of the job: interrupts its run, or marks a leased job that has not started.
    package mutating func cancel(_ id: String) -> StopAction {
        if let entry = active[id] { return .interrupt(entry.run) }
        guard let job = leased[id] else { return .none }
        cancelledBeforeStart.insert(job.runKey)
        return .withdraw(job.runKey, taskType: job.taskType)
    }

    /// Whether the job is held here (leased, running or not).
    package func holds(_ id: String) -> Bool {
        leased[id] != nil || active[id] != nil
    }

    /// A cancel of a job the queue says is leased to this worker, which it may not have taken in
    /// yet: it ends cancelled as soon as it is (or now, if it is here already).
    package mutating func cancelLeasedHere(_ id: String, now: ContinuousClock.Instant) -> StopAction {
        cancelAsked[id] = now
        return cancel(id)
    }

    /// The run's lease is gone: it is told to stop or, not started, never starts; either way
    /// nothing it ends with is written. `.none` when it is settling (its outcome is being
    /// written, so the queue let go of it) or already known lost.
    package mutating func leaseLost(_ job: LeasedJob) -> StopAction {
        guard !settling.contains(job.runKey), superseded.insert(job.runKey).inserted else { return .none }
        if leased[job.id]?.runKey == job.runKey { leased[job.id] = nil }
        if let entry = active[job.id], entry.key == job.runKey { return .interrupt(entry.run) }
        return .withdraw(job.runKey, taskType: job.taskType)
    }

    // MARK: - Lease renewal and deadlines

    /// The leases to renew now; forgets cancels asked for a fetch that never came back (older
    /// than a lease).
    package mutating func leasesToRenew(now: ContinuousClock.Instant, lease: Duration) -> [LeasedJob] {
        cancelAsked = cancelAsked.filter { $0.value > now - lease }
        return Array(leased.values)
    }

    /// What a renewal of `sent` found: the runs to cancel and the runs lost. A job that finished
    /// while the renewal was on its way is gone from the queue too: only runs still held here,
    /// under the lease renewed, were lost.
    package mutating func renewed(_ sent: [LeasedJob], cancelRequested: Set<String>, lost: Set<String>) -> (cancels: [StopAction], lost: [(LeasedJob, StopAction)]) {
        let cancels = cancelRequested.sorted().map { cancel($0) }
        let sentKeys = Dictionary(sent.map { ($0.id, $0.runKey) }, uniquingKeysWith: { $1 })
        var lostRuns: [(LeasedJob, StopAction)] = []
        for id in lost.sorted() {
            guard let job = leased[id], job.runKey == sentKeys[id] else { continue }
            lostRuns.append((job, leaseLost(job)))
        }
        return (cancels, lostRuns)
    }

    /// Runs whose deadline has passed, each returned once.
    package mutating func pastDeadline(now: ContinuousClock.Instant) -> [Run] {
        var due: [Run] = []
        for (id, entry) in active where !entry.deadlinePassed && entry.deadline <= now {
            active[id]?.deadlinePassed = true
            due.append(entry.run)
        }
        return due
    }

    // MARK: - Reading

    package var activeCount: Int { active.count }
    package var activeRuns: [Run] { active.values.map(\.run) }

    package func activeRun(_ id: String) -> Run? { active[id]?.run }
}

extension DispatchBook {
    /// What to do about a run asked to stop.
    package enum StopAction: Sendable {
        case interrupt(Run)
        case withdraw(LeasedJob.RunKey, taskType: String)
        case none
    }
}
