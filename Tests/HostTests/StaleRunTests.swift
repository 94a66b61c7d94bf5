import Foundation
import Synchronization
import Testing
import UvianHost

/// A job whose lease ran out while this worker still ran it, and which the queue then leased to
/// this same worker again: the older run is stale. It is told to stop through the plugin's cancel
/// path and nothing it ends with is written; the newer run owns the lease, the record and the
/// events. (Bug: the stale run's end removed the lease renewal of the newer one, and its outcome
/// was recorded while the newer run still ran.)
@Suite struct StaleRunTests {
    @Test func aJobLeasedAgainWhileItRunsIsOwnedByTheNewRunOnly() async throws {
        let worker = try await TestWorker { $0.maxConcurrentTasks = 10 }
        let seen = EventLog()
        let events = worker.worker.events.subscribe { $0.type.hasPrefix("task.") }
        let collector = Task { for await event in events { seen.append(event) } }
        defer { collector.cancel() }
        let job = try await worker.submit("sleep", ["ms": 2500])
        func ofJob() -> [TaskEvent] { seen.events.filter { $0.taskId == job.id } }
        // The first run starts; then its lease runs out (as if a renewal had not come in time).
        try await poll(200, every: .milliseconds(10), "the first run's start") { ofJob().contains { $0.type == "task.processing" } }
        // The first run's lease is run out again until the queue leases the job anew: on a loaded machine
        // that run's own renewal can land after one expiry and extend the lease before the queue's next
        // look. (Only the first lease: attempts_made is 1 until the second one.)
        let database = try SQLiteDatabase(path: worker.worker.config.databasePath)
        try await poll(400, every: .milliseconds(10), "the second run's start") {
            if ofJob().filter({ $0.type == "task.processing" }).count >= 2 { return true }
            try await database.transaction { connection in
                try connection.query("UPDATE queue_jobs SET lease_until = 0 WHERE id = ? AND attempts_made = 1", [.text(job.id)])
            }
            return false
        }
        try await poll(600, every: .milliseconds(10), "the job's end") { ofJob().contains(where: \.isTerminal) }
        // Whatever the stale run ends with (its cancel, within the grace period) would come now:
        // the absence of an event can only be waited for.
        try await Task.sleep(for: .seconds(worker.worker.config.cancelGraceSeconds + 0.3))
        await worker.stop()
        let all = ofJob()
        let processing = all.filter { $0.type == "task.processing" }
        #expect(processing.map { $0.data["attempt"] } == [1, 2], "\(all.map(\.type))")
        #expect(all.filter(\.isTerminal).map(\.type) == ["task.completed"], "\(all.map(\.type))")
        // The outcome is the second run's: it slept its 2.5 s after it started.
        let second = try #require(processing.last?.timestamp)
        let completed = try #require(all.first(where: \.isTerminal)?.timestamp)
        #expect(completed.timeIntervalSince(second) >= 2.4, "completed \(completed.timeIntervalSince(second)) s after the second start")
        let record = try #require(try await worker.worker.store.get(id: job.id))
        #expect(record.status == .completed && record.attempts == 2)
    }
}

/// Events as a subscriber received them, for a test to look at while more arrive.
final class EventLog: Sendable {
    private let received = Mutex<[TaskEvent]>([])
    func append(_ event: TaskEvent) { received.withLock { $0.append(event) } }
    var events: [TaskEvent] { received.withLock { $0 } }
}
