import Foundation

/// A job as the queue hands it to a worker: leased to that worker until it acknowledges it.
public struct LeasedJob: Sendable {
    public let id: String
    public let taskType: String
    public let parametersJSON: String
    /// Attempts started so far, this one included.
    public let attempt: Int
    public let maxAttempts: Int
    public let backoff: Backoff
    public let timeoutSeconds: Double?
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
public protocol JobQueue: Sendable {
    func enqueue(_ job: NewJob) async throws
    /// Leases the next runnable job whose task type is not in `excluding`, or returns nil.
    func fetchNext(workerId: String, excluding: Set<String>, lease: Duration) async throws -> LeasedJob?
    /// The earliest time a waiting job becomes runnable, if any: the worker sleeps until then.
    func nextRunnableDate() async throws -> Date?
    /// Extends the leases this worker holds. Returns the ids whose cancellation was requested
    /// (possibly by another process) and those whose lease was lost.
    func renewLeases(ids: [String], workerId: String, lease: Duration) async throws -> LeaseRenewal
    /// The job finished (completed, failed for good, or cancelled): it leaves the queue.
    func acknowledge(id: String, workerId: String) async throws
    /// Another try at `runAt`.
    func retry(id: String, workerId: String, runAt: Date) async throws
    /// Back to waiting without counting the attempt (graceful shutdown).
    func release(id: String, workerId: String) async throws
    /// Cancels a job: removes it when waiting (returns `.removed`), flags it when running.
    func cancel(id: String) async throws -> QueueCancellation
    /// Jobs waiting and running, for `/health`.
    func depth() async throws -> (waiting: Int, active: Int)
}

public struct LeaseRenewal: Sendable {
    public var cancelRequested: Set<String> = []
    public var lost: Set<String> = []
}

public enum QueueCancellation: Sendable {
    case removed, flagged, notFound
}
