package import Foundation
import JSON

/// The embedded backends keep the task store and the queue in one SQLite file, so the writes a
/// job makes to both are one transaction instead of two: a submit creates the record and queues
/// the job together (never a pending task that no queue holds, nor the reverse), and a finish
/// lets go of the job and records its outcome together. Fewer commits, fewer hand-offs to the
/// database thread, and no window between the two writes.
package struct EmbeddedWrites: Sendable {
    let database: SQLiteDatabase

    /// Present when the store and the queue are both in the same SQLite file.
    package init?(store: any TaskStore, queue: any JobQueue) {
        guard let store = store as? SQLiteTaskStore, let queue = queue as? SQLiteJobQueue, store.database === queue.database else {
            return nil
        }
        database = store.database
    }

    /// Creates the record and queues the job, or returns the task with the same idempotency key
    /// (then nothing is queued). With `lease`, the same transaction then leases the best runnable
    /// job for the caller's free slot, exactly as a fetch would (usually the new job, unless an
    /// older or more urgent one waits), and marks its task processing: a job added while the
    /// worker has room starts without a trip through the fetch loop.
    package func createAndEnqueue(_ record: TaskRecord, job: NewJob, lease: Lease? = nil) async throws -> (TaskCreation, LeasedJob?) {
        let insert = SQLiteTaskStore.Insert(record, parametersJSON: job.parametersJSON)
        return try await database.transaction { connection in
            if let lease, let started = try Self.startAtOnce(insert, job, lease, in: connection) { return started }
            let creation = try SQLiteTaskStore.create(insert, in: connection)
            guard case .created = creation else { return (creation, nil) }
            try SQLiteJobQueue.insert(job, in: connection)
            guard let lease else { return (creation, nil) }
            return (creation, try Self.leaseAndStart(lease, limit: 1, in: connection).first)
        }
    }

    /// When nothing else is runnable, the new job is the one a fetch would take: it is written
    /// leased and its task processing, instead of written waiting, looked for, and updated (the
    /// usual case of `?wait` on a worker with room). Nil: the job is not due yet, its type is at
    /// its limit, the queue is paused, or other jobs may come first.
    private static func startAtOnce(_ insert: SQLiteTaskStore.Insert, _ job: NewJob, _ lease: Lease,
                                    in connection: SQLiteConnection) throws -> (TaskCreation, LeasedJob?)? {
        guard job.options.delayMs == 0, !lease.excluding.contains(job.taskType) else { return nil }
        let now = Date()
        guard try SQLiteJobQueue.nothingRunnable(now: now.timeIntervalSince1970, in: connection),
              try !SQLiteJobQueue.isPaused(in: connection) else { return nil }
        let creation = try SQLiteTaskStore.create(insert, startedBy: (lease.workerId, now), in: connection)
        guard case .created = creation else { return (creation, nil) }
        let until = now.timeIntervalSince1970 + lease.duration.inSeconds
        var leased = try SQLiteJobQueue.insert(job, leasedTo: (lease.workerId, until), in: connection)
        leased?.startRecorded = now
        return (creation, leased)
    }

    /// Creates a flow's records and queues its jobs in one transaction.
    package func createAndEnqueueFlow(_ records: [TaskRecord], jobs: [FlowJob]) async throws {
        let inserts = zip(records, jobs).map { SQLiteTaskStore.Insert($0, parametersJSON: $1.job.parametersJSON) }
        try await database.transaction { connection in
            for insert in inserts { _ = try SQLiteTaskStore.create(insert, in: connection) }
            try SQLiteJobQueue.insertFlow(jobs, in: connection)
        }
    }

    /// What a submit that may start a job at once leases it with.
    package struct Lease: Sendable {
        let workerId: String
        let excluding: Set<String>
        let duration: Duration

        package init(workerId: String, excluding: Set<String>, duration: Duration) {
            self.workerId = workerId
            self.excluding = excluding
            self.duration = duration
        }
    }

    /// Leases up to `limit` jobs and marks their tasks processing, in one transaction. A job
    /// whose task has no record yet comes back with `startRecorded` nil.
    package func leaseAndStart(workerId: String, excluding: Set<String>, lease: Duration, limit: Int) async throws -> [LeasedJob] {
        try await database.transaction { connection in
            try Self.leaseAndStart(Lease(workerId: workerId, excluding: excluding, duration: lease), limit: limit, in: connection)
        }
    }

    private static func leaseAndStart(_ lease: Lease, limit: Int, in connection: SQLiteConnection) throws -> [LeasedJob] {
        let now = Date()
        return try SQLiteJobQueue.lease(workerId: lease.workerId, excluding: lease.excluding, lease: lease.duration, limit: limit, in: connection).map { job in
            var job = job
            if try SQLiteTaskStore.markStarted(id: job.id, attempt: job.attempt, workerId: lease.workerId, at: now, in: connection) {
                job.startRecorded = now
            }
            return job
        }
    }

    /// Removes the finished job from the queue and records its outcome, if `workerId` still holds
    /// it; returns the task as recorded, or nil (nothing written) when another worker owns it now.
    package func finish(_ job: LeasedJob, workerId: String, status: TaskStatus, result: JSONValue?, error: String?, at date: Date) async throws -> Finished {
        let bindings = SQLiteTaskStore.finishBindings(id: job.id, status: status, result: result, error: error, at: date)
        let ending: SQLiteJobQueue.ChildEnding = status == .completed
            ? .completed(resultJSON: (result ?? .null).serialized()) : .failed(reason: error ?? status.rawValue)
        let row = try await database.transaction { connection -> [String: SQLiteValue]?? in
            guard try SQLiteJobQueue.remove(job, workerId: workerId, ending: ending, in: connection) else { return .none }
            return .some(try SQLiteTaskStore.markFinished(bindings, returning: true, in: connection))
        }
        // The row is read here, not on the database thread every write waits for.
        guard let row else { return .lost }
        return .recorded(try row.map(SQLiteTaskStore.record(from:)))
    }

    package enum Finished: Sendable {
        /// Another worker holds the job now: nothing was written.
        case lost
        /// The outcome is recorded (the task as it now is, if it has a record).
        case recorded(TaskRecord?)
    }
}
