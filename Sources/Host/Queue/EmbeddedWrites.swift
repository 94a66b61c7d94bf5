import Foundation

/// The embedded backends keep the task store and the queue in one SQLite file, so the writes a
/// job makes to both are one transaction instead of two: a submit creates the record and queues
/// the job together (never a pending task that no queue holds, nor the reverse), and a finish
/// lets go of the job and records its outcome together. Fewer commits, fewer hand-offs to the
/// database thread, and no window between the two writes.
struct EmbeddedWrites: Sendable {
    let database: SQLiteDatabase

    /// Present when the store and the queue are both in the same SQLite file.
    init?(store: any TaskStore, queue: any JobQueue) {
        guard let store = store as? SQLiteTaskStore, let queue = queue as? SQLiteJobQueue, store.database === queue.database else {
            return nil
        }
        database = store.database
    }

    /// Creates the record and queues the job, or returns the task with the same idempotency key
    /// (then nothing is queued).
    func createAndEnqueue(_ record: TaskRecord, job: NewJob) async throws -> TaskCreation {
        try await database.transaction { connection in
            let creation = try SQLiteTaskStore.create(record, in: connection)
            if case .created = creation { try SQLiteJobQueue.insert(job, in: connection) }
            return creation
        }
    }

    /// Leases up to `limit` jobs and marks their tasks processing, in one transaction. A job
    /// whose task has no record yet comes back with `startRecorded` nil.
    func leaseAndStart(workerId: String, excluding: Set<String>, lease: Duration, limit: Int) async throws -> [LeasedJob] {
        try await database.transaction { connection in
            let now = Date()
            return try SQLiteJobQueue.lease(workerId: workerId, excluding: excluding, lease: lease, limit: limit, in: connection).map { job in
                var job = job
                if try SQLiteTaskStore.markStarted(id: job.id, attempt: job.attempt, workerId: workerId, at: now, in: connection) {
                    job.startRecorded = now
                }
                return job
            }
        }
    }

    /// Removes the finished job from the queue and records its outcome, if `workerId` still holds
    /// it; returns the task as recorded, or nil (nothing written) when another worker owns it now.
    func finish(_ job: LeasedJob, workerId: String, status: TaskStatus, result: JSONValue?, error: String?, at date: Date) async throws -> Finished {
        try await database.transaction { connection in
            guard try SQLiteJobQueue.remove(id: job.id, workerId: workerId, in: connection) else { return .lost }
            let record = try SQLiteTaskStore.markFinished(id: job.id, status: status, result: result, error: error, at: date, in: connection)
            return .recorded(record)
        }
    }

    enum Finished: Sendable {
        /// Another worker holds the job now: nothing was written.
        case lost
        /// The outcome is recorded (the task as it now is, if it has a record).
        case recorded(TaskRecord?)
    }
}
