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

    /// Removes the finished job from the queue and records its outcome, if `workerId` still holds
    /// it; false (nothing written) when another worker owns it now.
    func finish(_ job: LeasedJob, workerId: String, status: TaskStatus, result: JSONValue?, error: String?, at date: Date) async throws -> Bool {
        try await database.transaction { connection in
            guard try SQLiteJobQueue.remove(id: job.id, workerId: workerId, in: connection) else { return false }
            try SQLiteTaskStore.markFinished(id: job.id, status: status, result: result, error: error, at: date, in: connection)
            return true
        }
    }
}
