package import Foundation
import JSON

/// A job as the queue hands it to a worker: leased to that worker until it is finished.
package struct LeasedJob: Sendable {
    package let id: String
    package let taskType: String
    package let parametersJSON: String
    /// This attempt's number (1 for the first try); a retry is allowed while it is below `maxAttempts`.
    package let attempt: Int
    package let maxAttempts: Int
    package let backoff: Backoff
    package let timeoutSeconds: Double?
    /// The lease's proof of ownership (the BullMQ lock token; empty for the embedded queue).
    package var token: String = ""
    /// When the job was added, if the queue knows.
    package var createdAt: Date?
    /// Set when the queue says the job must fail without running (BullMQ's `defa`, e.g. it
    /// stalled more often than allowed).
    package var deferredFailure: String?
    /// The queue's own options of the job, as stored (BullMQ's `opts`: removeOnComplete, …).
    package var queueOptions: JSONValue?
    /// When the store marked the job processing in the same transaction as its lease (the
    /// embedded backends); nil when the worker still has to.
    package var startRecorded: Date?
    /// Its cancel was asked for before this lease (while another worker held it): it ends as
    /// cancelled without running.
    package var cancelRequested = false
    /// The parameters, parsed when the worker recorded the job's start (nil: not parsed yet).
    package var parameters: JSONValue?
    /// The plugin generation that checked the parameters against its schema (at submit, or when
    /// the job was taken in): carried with the job through the queue, so the same generation
    /// never checks them again. nil: not checked, or by a producer that does not check.
    package var checkedBy: String?
    /// When this run started its plugin (set by the worker; nil before).
    package var startedAt: Date?
    /// Times the queue recovered the job after its worker lost it (BullMQ's `stc`).
    package var stalledCount = 0
    /// Leased over a lease that had run out (the embedded queue: the worker that held it is gone).
    package var leaseTakenOver = false
    /// The schedule that made this run, when one did (the embedded queue's `schedule_id`,
    /// BullMQ's `rjk`).
    package var schedule: ScheduleRun?
    /// The parent job's id (BullMQ flows: the `parentKey` of a child job).
    package var parentId: String?
    /// The job's `conversation_id` parameter, which its events carry: found once, when the job
    /// is leased, rather than for every event.
    package let conversationId: String?

    package init(id: String, taskType: String, parametersJSON: String, attempt: Int, maxAttempts: Int, backoff: Backoff,
                timeoutSeconds: Double?) {
        self.id = id
        self.taskType = taskType
        self.parametersJSON = parametersJSON
        self.attempt = attempt
        self.maxAttempts = maxAttempts
        self.backoff = backoff
        self.timeoutSeconds = timeoutSeconds
        conversationId = Self.conversationId(in: parametersJSON)
    }
}

extension LeasedJob {
    /// One run of a job: its id and the lease it runs under. A job leased again is a new run.
    package struct RunKey: Hashable, Sendable {
        package let id: String
        package let token: String
    }

    package var runKey: RunKey { RunKey(id: id, token: token) }
}

/// A job to add to the queue.
package struct NewJob: Sendable {
    package let id: String
    package let taskType: String
    package let parametersJSON: String
    package let options: JobOptions
    /// The plugin generation that checked the parameters (see `LeasedJob.checkedBy`).
    package var checkedBy: String?

    package init(id: String, taskType: String, parametersJSON: String, options: JobOptions, checkedBy: String? = nil) {
        self.id = id
        self.taskType = taskType
        self.parametersJSON = parametersJSON
        self.options = options
        self.checkedBy = checkedBy
    }
}

/// The transport between producers and workers: durable, with leases, delays, priorities and
/// retries. Delivery is at-least-once: a job whose lease expires (its worker died) runs again.
///
/// The finishing calls return false when the worker no longer owns the job (its lease expired and
/// another worker took it): the outcome is then dropped, never retried.
package protocol JobQueue: Sendable {
    /// A short name for `/health`: "sqlite" or "redis".
    var kind: String { get }
    func enqueue(_ job: NewJob) async throws
    /// Adds a flow's jobs (parents first) in one step: a parent waits until its children have ended.
    func enqueueFlow(_ jobs: [FlowJob]) async throws
    /// Whether `fetch` skips the task types in `excluding` (else it may return them).
    var skipsExcludedTypes: Bool { get }
    /// Leases up to `limit` runnable jobs (none: nothing is runnable). Queues that can filter skip
    /// task types in `excluding` (those at their concurrency limit); others may return them
    /// anyway. A queue may return fewer than `limit` although more are runnable (Redis leases one
    /// per round trip); the embedded queue leases them all in one transaction.
    func fetch(workerId: String, excluding: Set<String>, lease: Duration, limit: Int) async throws -> [LeasedJob]
    /// Waits until work may be ready (a marker, a delayed job coming due) or `limit` passes.
    func waitForJobs(limit: Duration) async
    /// Extends the leases of running jobs; reports lost ones and those whose cancellation was
    /// requested (possibly by another process).
    func renewLeases(_ jobs: [LeasedJob], workerId: String, lease: Duration) async throws -> LeaseRenewal
    /// Schedules another attempt after `delayMs` (0 = at once).
    func retry(_ job: LeasedJob, workerId: String, reason: String, delayMs: Int) async throws -> Bool
    /// Ends the job in the queue as `outcome` (completed, failed for good, or cancelled while it
    /// ran); with `leasingNext`, also leases this worker's next job for that long in the same call
    /// where the queue can (Redis: BullMQ's moveToFinished with fetch-next), so a worker keeping its
    /// slot busy pays one round trip per job. `owned` false: another worker holds the job now and
    /// nothing was written.
    func finish(_ job: LeasedJob, workerId: String, as outcome: QueueFinish, leasingNext lease: Duration?) async throws -> QueueFinishReply
    /// Back to the queue without counting the attempt (graceful shutdown).
    func release(_ job: LeasedJob, workerId: String) async throws
    /// Cancels a job: removes it when waiting (returns `.removed`), flags it when running.
    func cancel(id: String) async throws -> QueueCancellation
    func progress(_ job: LeasedJob, fraction: Double, noteJSON: String?) async
    func log(_ job: LeasedJob, line: String) async
    /// Periodic upkeep (the stalled-job check of BullMQ), run at start-up and then every
    /// `maintenanceInterval`.
    func maintain() async
    var maintenanceInterval: Duration? { get }
    /// Ends a `waitForJobs` in progress early (shutdown).
    func interruptWait() async
    /// Jobs waiting and running, for `/health`.
    func depth() async throws -> (waiting: Int, active: Int)
    /// Puts a finished job back with its attempts reset (BullMQ's `Job.retry`; `job` comes with no
    /// delay, so it runs now): the queue's own finished job when it still holds one, else `job`
    /// added anew. False: the queue holds the job unfinished (waiting or running), nothing changed.
    func requeue(_ job: NewJob) async throws -> Bool
    /// A delayed job runs now (BullMQ's `promote`); false when the queue holds no delayed job by that id.
    func promote(id: String) async throws -> Bool
    /// Forgets a finished job (BullMQ's `remove`); true also when the queue did not hold it. False:
    /// it holds the job unfinished, and nothing changed.
    func removeFinished(id: String) async throws -> Bool
    /// Jobs per state and the oldest waiting one (`GET /queue`, the metrics).
    func overview() async throws -> QueueOverview
    /// What the queue counted since the start, for the metrics.
    var statistics: QueueStatistics { get }
    /// Pauses or resumes the whole queue (BullMQ's pause: no worker takes a job; running ones go on).
    func setPaused(_ paused: Bool) async throws
    func isPaused() async throws -> Bool
    /// A flow's parent's children that have ended: `completed` maps each completed child's task id
    /// to its result, `failed` each child that failed with `continueParentOnFailure` or
    /// `ignoreDependencyOnFailure` to its reason (BullMQ's getChildrenValues and getFailedChildrenValues).
    func children(of job: LeasedJob) async throws -> (completed: [String: JSONValue], failed: [String: String])
}

extension JobQueue {
    package func progress(_ job: LeasedJob, fraction: Double, noteJSON: String?) async {}
    package func log(_ job: LeasedJob, line: String) async {}
    package func maintain() async {}
    package var maintenanceInterval: Duration? { nil }
    package var skipsExcludedTypes: Bool { false }
    package var statistics: QueueStatistics { QueueStatistics() }
    package func interruptWait() async {}
    package func children(of job: LeasedJob) async throws -> (completed: [String: JSONValue], failed: [String: String]) { ([:], [:]) }
}

/// How a job ends in the queue.
package enum QueueFinish: Sendable {
    case completed(resultJSON: String)
    /// `resultJSON`: what the plugin reported beside its error, if anything.
    case failed(reason: String, resultJSON: String?)
    case cancelled(reason: String)
}

package struct QueueFinishReply: Sendable {
    package var owned: Bool
    /// The next job leased by the same call (nil: none asked for, or none runnable).
    package var next: LeasedJob?
}

/// What a queue counted since the start (monotonic), for the metrics.
package struct QueueStatistics: Sendable {
    /// Jobs its upkeep took back from workers that lost them (BullMQ's stalled check).
    package var stalledRecoveries = 0
    /// Connections to its server lost or refused, and made again after that.
    package var connectionErrors = 0
    package var reconnects = 0
    package init() {}
}

/// What the queue holds, by state.
package struct QueueOverview: Sendable {
    /// Jobs per state, named as BullMQ's `getJobCounts` names them (`waiting`, `delayed`,
    /// `prioritized`, `active`, `waiting-children`, and on Redis `completed` and `failed`).
    package var counts: [String: Int]
    package var paused: Bool
    /// The job that has waited longest to run, and since when.
    package var oldestWaiting: (id: String, since: Date)?
}

package struct LeaseRenewal: Sendable {
    package var cancelRequested: Set<String> = []
    package var lost: Set<String> = []
    package init() {}
}

package enum QueueCancellation: Sendable, Equatable {
    /// `flagged`: the job is leased; `holder` names who holds it (a worker id, or a lock token
    /// that begins with one) when the queue knows.
    case removed, flagged(holder: String?), notFound
}

extension LeasedJob {
    /// The `conversation_id` parameter in the job's parameters. Parsed only when the text
    /// mentions it, so other jobs pay nothing but a byte search.
    private static func conversationId(in parametersJSON: String) -> String? {
        guard mentionsConversation(parametersJSON) else { return nil }
        return (try? JSONValue.parse(parametersJSON))?["conversation_id"]?.stringValue
    }

    /// A byte search: `String.contains` goes through Foundation's locale-aware search on Linux,
    /// which showed up in profiles of the job path.
    private static func mentionsConversation(_ text: String) -> Bool {
        let needle = Array("conversation_id".utf8)
        var text = text
        return text.withUTF8 { bytes in
            guard bytes.count >= needle.count else { return false }
            for start in 0...(bytes.count - needle.count) where bytes[start] == needle[0] {
                if needle.indices.allSatisfy({ bytes[start + $0] == needle[$0] }) { return true }
            }
            return false
        }
    }
}
