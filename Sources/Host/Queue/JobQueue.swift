import Foundation
import JSON

/// A job as the queue hands it to a worker: leased to that worker until it is finished.
public struct LeasedJob: Sendable {
    public let id: String
    public let taskType: String
    public let parametersJSON: String
    /// This attempt's number (1 for the first try); a retry is allowed while it is below `maxAttempts`.
    public let attempt: Int
    public let maxAttempts: Int
    public let backoff: Backoff
    public let timeoutSeconds: Double?
    /// The lease's proof of ownership (the BullMQ lock token; empty for the embedded queue).
    public var token: String = ""
    /// When the job was added, if the queue knows.
    public var createdAt: Date?
    /// Set when the queue says the job must fail without running (BullMQ's `defa`, e.g. it
    /// stalled more often than allowed).
    public var deferredFailure: String?
    /// The queue's own options of the job, as stored (BullMQ's `opts`: removeOnComplete, …).
    public var queueOptions: JSONValue?
    /// When the store marked the job processing in the same transaction as its lease (the
    /// embedded backends); nil when the worker still has to.
    public var startRecorded: Date?
    /// Its cancel was asked for before this lease (while another worker held it): it ends as
    /// cancelled without running.
    public var cancelRequested = false
    /// The parameters, parsed when the worker recorded the job's start (nil: not parsed yet).
    public var parameters: JSONValue?
    /// When this run started its plugin (set by the worker; nil before).
    public var startedAt: Date?
    /// Times the queue recovered the job after its worker lost it (BullMQ's `stc`).
    public var stalledCount = 0
    /// The parent job's id (BullMQ flows: the `parentKey` of a child job).
    public var parentId: String?
    /// The job's `conversation_id` parameter, which its events carry: found once, when the job
    /// is leased, rather than for every event.
    public let conversationId: String?

    public init(id: String, taskType: String, parametersJSON: String, attempt: Int, maxAttempts: Int, backoff: Backoff,
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
    public struct RunKey: Hashable, Sendable {
        public let id: String
        public let token: String
    }

    public var runKey: RunKey { RunKey(id: id, token: token) }
}

/// A job to add to the queue.
public struct NewJob: Sendable {
    public let id: String
    public let taskType: String
    public let parametersJSON: String
    public let options: JobOptions
}

/// The transport between producers and workers: durable, with leases, delays, priorities and
/// retries. Delivery is at-least-once: a job whose lease expires (its worker died) runs again.
///
/// The finishing calls return false when the worker no longer owns the job (its lease expired and
/// another worker took it): the outcome is then dropped, never retried.
public protocol JobQueue: Sendable {
    /// A short name for `/health`: "sqlite" or "redis".
    var kind: String { get }
    func enqueue(_ job: NewJob) async throws
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
    func complete(_ job: LeasedJob, workerId: String, resultJSON: String) async throws -> Bool
    /// Fails the job for good; `resultJSON` is what the plugin reported beside the error, if anything.
    func fail(_ job: LeasedJob, workerId: String, reason: String, resultJSON: String?) async throws -> Bool
    /// Schedules another attempt after `delayMs` (0 = at once).
    func retry(_ job: LeasedJob, workerId: String, reason: String, delayMs: Int) async throws -> Bool
    /// Ends a job that was cancelled while it ran.
    func finishCancelled(_ job: LeasedJob, workerId: String, reason: String) async throws -> Bool
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
}

extension JobQueue {
    public func progress(_ job: LeasedJob, fraction: Double, noteJSON: String?) async {}
    public func log(_ job: LeasedJob, line: String) async {}
    public func maintain() async {}
    public var maintenanceInterval: Duration? { nil }
    public var skipsExcludedTypes: Bool { false }
    public func interruptWait() async {}
}

public struct LeaseRenewal: Sendable {
    public var cancelRequested: Set<String> = []
    public var lost: Set<String> = []
    public init() {}
}

public enum QueueCancellation: Sendable, Equatable {
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
