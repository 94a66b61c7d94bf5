import Foundation
import Testing
import UvianHost

/// On the embedded backends a job's store and queue writes are one transaction: never a task
/// record without its queue row (or the reverse), and a worker that lost its lease writes nothing.
@Suite struct EmbeddedWritesTests {
    struct Backends {
        let store: SQLiteTaskStore
        let queue: SQLiteJobQueue
        let writes: EmbeddedWrites
    }

    func backends() async throws -> Backends {
        let database = try SQLiteDatabase(path: try SQLiteDatabaseTests.temporaryPath())
        let store = try await SQLiteTaskStore(database: database)
        let queue = try await SQLiteJobQueue(database: database)
        return Backends(store: store, queue: queue, writes: try #require(EmbeddedWrites(store: store, queue: queue)))
    }

    func job(_ id: String) -> (TaskRecord, NewJob) {
        (TaskRecord(id: id, queue: "q", taskType: "echo", parameters: ["n": 1], options: JobOptions()),
         NewJob(id: id, taskType: "echo", parametersJSON: #"{"n":1}"#, options: JobOptions()))
    }

    @Test func aSubmitWhoseQueueInsertFailsLeavesNoRecord() async throws {
        let b = try await backends()
        // A queue row with this id already exists (say, from another producer): the insert fails.
        let (record, newJob) = job("dup")
        try await b.queue.enqueue(newJob)
        await #expect(throws: (any Error).self) { try await b.writes.createAndEnqueue(record, job: newJob) }
        #expect(try await b.store.get(id: "dup") == nil, "a record was left without its queue row")

        let (fresh, freshJob) = job("fresh")
        guard case .created = try await b.writes.createAndEnqueue(fresh, job: freshJob).0 else { Issue.record("not created"); return }
        #expect(try await b.store.get(id: "fresh")?.status == .pending)
    }

    @Test func leaseStartsTheTaskAndFinishRecordsItOnlyForItsHolder() async throws {
        let b = try await backends()
        let (record, newJob) = job("t1")
        _ = try await b.writes.createAndEnqueue(record, job: newJob)
        let leased = try await b.writes.leaseAndStart(workerId: "w1", excluding: [], lease: .seconds(30), limit: 10)
        #expect(leased.map(\.id) == ["t1"] && leased[0].startRecorded != nil)
        let started = try #require(try await b.store.get(id: "t1"))
        #expect(started.status == .processing && started.workerId == "w1" && started.attempts == 1)

        // Another worker (its lease expired and w2 took the job) cannot finish it.
        guard case .lost = try await b.writes.finish(leased[0], workerId: "w2", status: .completed, result: ["x": 1], error: nil, at: Date()) else {
            Issue.record("a worker without the lease finished the job")
            return
        }
        #expect(try await b.store.get(id: "t1")?.status == .processing)

        guard case .recorded(let done?) = try await b.writes.finish(leased[0], workerId: "w1", status: .completed, result: ["x": 1], error: nil, at: Date()) else {
            Issue.record("the holder's finish was not recorded")
            return
        }
        #expect(done.status == .completed && done.result == ["x": 1] && done.finishedAt != nil)
        #expect(try await b.store.get(id: "t1")?.status == .completed)
        #expect(try await b.queue.depth() == (0, 0))
    }

    @Test func aSubmitWithAFreeSlotLeasesTheJobAFetchWouldTake() async throws {
        let b = try await backends()
        let lease = EmbeddedWrites.Lease(workerId: "w1", excluding: [], duration: .seconds(30))

        // Nothing else waits: the new job is leased and its task is processing, in the same write.
        let (first, firstJob) = job("first")
        let (created, leased) = try await b.writes.createAndEnqueue(first, job: firstJob, lease: lease)
        guard case .created = created else { Issue.record("not created"); return }
        #expect(leased?.id == "first" && leased?.attempt == 1 && leased?.startRecorded != nil)
        let started = try #require(try await b.store.get(id: "first"))
        #expect(started.status == .processing && started.workerId == "w1" && started.attempts == 1 && started.startedAt != nil)
        // It is held like any leased job: no other worker takes it, its lease renews, and only
        // its holder records its outcome.
        #expect(try await b.queue.fetch(workerId: "w2", excluding: [], lease: .seconds(30), limit: 5).isEmpty)
        #expect(try await b.queue.renewLeases([try #require(leased)], workerId: "w1", lease: .seconds(30)).lost.isEmpty)
        guard case .lost = try await b.writes.finish(try #require(leased), workerId: "w2", status: .completed, result: 1, error: nil, at: Date()) else {
            Issue.record("another worker recorded the outcome"); return
        }
        guard case .recorded(let done) = try await b.writes.finish(try #require(leased), workerId: "w1", status: .completed, result: 1, error: nil, at: Date()) else {
            Issue.record("the holder could not record the outcome"); return
        }
        #expect(done?.status == .completed && done?.result == 1)
        #expect(try await b.queue.depth() == (0, 0))

        // An older job waits: the submit leases that one (as a fetch would) and the new one waits.
        let (older, olderJob) = job("older")
        _ = try await b.writes.createAndEnqueue(older, job: olderJob)
        let (newer, newerJob) = job("newer")
        let (_, leasedInstead) = try await b.writes.createAndEnqueue(newer, job: newerJob, lease: lease)
        #expect(leasedInstead?.id == "older")
        #expect(try await b.store.get(id: "newer")?.status == .pending)
        #expect(try await b.queue.depth() == (1, 1))

        // A delayed job is not leased before it is due; a task type at its limit is skipped.
        var later = JobOptions()
        later.delayMs = 60_000
        let delayed = TaskRecord(id: "delayed", queue: "q", taskType: "echo", parameters: ["n": 1], options: later)
        let (_, none) = try await b.writes.createAndEnqueue(
            delayed, job: NewJob(id: "delayed", taskType: "echo", parametersJSON: #"{"n":1}"#, options: later),
            lease: EmbeddedWrites.Lease(workerId: "w1", excluding: ["echo"], duration: .seconds(30)))
        #expect(none == nil)

        // The same idempotency key again: the existing task, nothing queued or leased.
        var keyed = JobOptions()
        keyed.idempotencyKey = "k"
        let (k1, _) = try await b.writes.createAndEnqueue(
            TaskRecord(id: "k1", queue: "q", taskType: "echo", parameters: [:], options: keyed),
            job: NewJob(id: "k1", taskType: "echo", parametersJSON: "{}", options: keyed))
        let (k2, leasedForKey) = try await b.writes.createAndEnqueue(
            TaskRecord(id: "k2", queue: "q", taskType: "echo", parameters: [:], options: keyed),
            job: NewJob(id: "k2", taskType: "echo", parametersJSON: "{}", options: keyed), lease: lease)
        guard case .created = k1, case .existing(let existing) = k2 else { Issue.record("idempotency key not honoured"); return }
        #expect(existing.id == "k1" && leasedForKey == nil)
    }
}
