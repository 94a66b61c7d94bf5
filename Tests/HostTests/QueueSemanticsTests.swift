import Foundation
import Testing
import UvianHost

/// The embedded queue's semantics through a real worker: retries with backoff, delays, priority
/// order, timeouts, cancellation, idempotency keys and concurrency limits.
@Suite struct QueueSemanticsTests {
    func options(_ json: JSONValue) throws -> JobOptions { try JobOptions(json: json) }

    @Test func retriesWithFixedBackoffThenFails() async throws {
        let worker = try await TestWorker()
        let record = try await worker.run("sleep", ["ms": 1, "fail": true],
                                          options: options(["attempts": 3, "backoff": ["type": "fixed", "delay": 300]]))
        await worker.stop()
        #expect(record.status == .failed)
        #expect(record.attempts == 3)
        #expect(record.error == "asked to fail")
        // Two waits of 300 ms between three attempts.
        let elapsed = try #require(record.finishedAt).timeIntervalSince(record.createdAt)
        #expect(elapsed >= 0.6)
    }

    @Test func exponentialBackoffDoublesTheDelay() {
        let backoff = Backoff(kind: .exponential, delayMs: 100)
        #expect(backoff.delay(afterAttempt: 1) == 100)
        #expect(backoff.delay(afterAttempt: 2) == 200)
        #expect(backoff.delay(afterAttempt: 4) == 800)
        let jittered = Backoff(kind: .fixed, delayMs: 1000, jitter: 0.5)
        for _ in 0..<50 { #expect((500...1000).contains(jittered.delay(afterAttempt: 1))) }
    }

    @Test func aPermanentFailureIsNotRetried() async throws {
        let worker = try await TestWorker()
        let record = try await worker.run("fixture_fail", [:], options: options(["attempts": 5]))
        await worker.stop()
        #expect(record.status == .failed)
        #expect(record.attempts == 1)
        #expect(record.error == "fixture failure")
    }

    @Test func delayedJobsWaitTheirDelay() async throws {
        let worker = try await TestWorker()
        let record = try await worker.run("echo", ["x": 1], options: options(["delay_ms": 700]))
        await worker.stop()
        #expect(record.status == .completed)
        let waited = try #require(record.startedAt).timeIntervalSince(record.createdAt)
        #expect(waited >= 0.7)
    }

    @Test func runsNoPriorityFirstThenByPriority() async throws {
        let worker = try await TestWorker { $0.maxConcurrentTasks = 1 }
        // Occupy the only slot so the others queue up and are picked by order, not arrival.
        let blocker = try await worker.submit("sleep", ["ms": 400])
        try await poll(200, every: .milliseconds(5), "the blocker's start") { try await worker.worker.store.get(id: blocker.id)?.status == .processing }
        var ids: [String: Int?] = [:]
        for priority in [3, 0, 1, 2] as [Int] {
            let record = try await worker.submit("echo", ["p": .number(Double(priority))], options: options(["priority": .number(Double(priority))]))
            ids[record.id] = priority
        }
        var started: [(Date, Int)] = []
        for (id, priority) in ids {
            let record = try #require(await worker.worker.waitForFinish(id: id, timeout: 20))
            #expect(record.status == .completed)
            started.append((try #require(record.startedAt), priority ?? -1))
        }
        _ = await worker.worker.waitForFinish(id: blocker.id, timeout: 5)
        await worker.stop()
        #expect(started.sorted { $0.0 < $1.0 }.map(\.1) == [0, 1, 2, 3])
    }

    @Test func aJobPastItsTimeoutFailsWithTheReason() async throws {
        let worker = try await TestWorker()
        let record = try await worker.run("sleep", ["ms": 10_000], options: options(["timeout_s": 0.3]))
        await worker.stop()
        #expect(record.status == .failed)
        #expect(record.error == "timed out after 0.3s")
        // hello-c honours the deadline, so it stops on its own well before the grace period ends.
        let ran = try #require(record.finishedAt).timeIntervalSince(try #require(record.startedAt))
        #expect(ran < 3)
    }

    @Test func timeoutIsCappedByMaxTaskTimeout() async throws {
        let worker = try await TestWorker { $0.maxTaskTimeout = 0.2 }
        let record = try await worker.run("sleep", ["ms": 5_000], options: options(["timeout_s": 100]))
        await worker.stop()
        #expect(record.error == "timed out after 0.2s")
    }

    @Test func cancellingAPendingJobRemovesIt() async throws {
        let worker = try await TestWorker()
        let record = try await worker.submit("echo", [:], options: options(["delay_ms": 60_000]))
        guard case .accepted(let cancelled) = try await worker.worker.cancel(id: record.id) else {
            Issue.record("expected the cancel to be accepted")
            return
        }
        #expect(cancelled.status == .cancelled)
        #expect(try await worker.worker.queue.depth().waiting == 0)
        guard case .alreadyFinished = try await worker.worker.cancel(id: record.id) else {
            Issue.record("a second cancel must report the task finished")
            return
        }
        await worker.stop()
    }

    @Test func aJobCancelledBeforeItsWorkerDiedEndsCancelledWithoutRunning() async throws {
        let worker = try await TestWorker()
        let queue = try #require(worker.worker.queue as? SQLiteJobQueue)
        // Another worker took the job, was asked to cancel it, and died: its lease is over.
        let record = TaskRecord(id: "orphan", queue: worker.worker.config.queueName, taskType: "echo", parameters: ["x": 1],
                                options: JobOptions())
        _ = try await worker.worker.store.create(record)
        try await queue.database.transaction { connection in
            try SQLiteJobQueue.insert(NewJob(id: "orphan", taskType: "echo", parametersJSON: #"{"x":1}"#, options: JobOptions()),
                                      leasedTo: ("gone", Date().timeIntervalSince1970 - 1), in: connection)
            try connection.query("UPDATE queue_jobs SET cancel_requested = 1 WHERE id = 'orphan'")
        }
        let finished = try #require(await worker.worker.waitForFinish(id: "orphan", timeout: 10))
        #expect(finished.status == .cancelled)
        #expect(finished.result == nil, "it ran")
        #expect(try await queue.depth() == (0, 0))
        await worker.stop()
    }

    @Test func cancellingARunningJobReachesThePlugin() async throws {
        let worker = try await TestWorker()
        let record = try await worker.submit("sleep", ["ms": 20_000])
        try await poll(100, every: .milliseconds(20)) { try await worker.worker.store.get(id: record.id)?.status == .processing }
        let started = Date()
        guard case .accepted(let cancelled) = try await worker.worker.cancel(id: record.id) else {
            Issue.record("expected the cancel to be accepted")
            return
        }
        await worker.stop()
        #expect(cancelled.status == .cancelled)
        #expect(Date().timeIntervalSince(started) < 5)
    }

    @Test func anIdempotencyKeyQueuesOnce() async throws {
        let worker = try await TestWorker()
        let opts = try options(["idempotency_key": "order-42"])
        let (first, created) = try await worker.worker.submit(taskType: "echo", parameters: ["n": 1], options: opts)
        let (second, createdAgain) = try await worker.worker.submit(taskType: "echo", parameters: ["n": 2], options: opts)
        #expect(created && !createdAgain)
        #expect(first.id == second.id)
        let done = try #require(await worker.worker.waitForFinish(id: first.id, timeout: 10))
        #expect(done.result == ["echo": ["n": 1]])
        let page = try await worker.worker.store.list(TaskQuery(taskType: "echo"))
        #expect(page.total == 1)
        await worker.stop()
    }

    /// Two jobs leased together while their plugin allows one at a time: cancelling the one that
    /// waits for the slot ends it at once, without running, while the other keeps running.
    @Test func cancellingALeasedJobWaitingForItsPluginsLimitEndsItAtOnce() async throws {
        var specs = try TestWorker.defaultSpecs()
        specs[1].maxConcurrency = 1  // hello-c, which serves "sleep"
        let dir = TestPaths.temporaryDirectory("cancel-waiting")
        let registry = PluginRegistry(logger: TestWorker.quietLogger, stagingDir: dir + "/staged", runner: TestPaths.runner)
        await registry.loadAll(PluginsFile(plugins: specs))
        var config = WorkerConfig()
        config.pollIntervalMs = 20
        config.cancelGraceSeconds = 1
        let worker = try await WorkerRuntime(config: config, logger: TestWorker.quietLogger).makeWorker(registry: registry, dataDir: dir + "/data")
        // Both queued before the worker runs, so its first fetch leases both.
        let first = try await worker.submit(taskType: "sleep", parameters: ["ms": 8000], options: JobOptions()).0
        let second = try await worker.submit(taskType: "sleep", parameters: ["ms": 10], options: JobOptions()).0
        let running = Task { try await worker.run() }
        try await poll(200, every: .milliseconds(10)) { try await worker.store.get(id: first.id)?.status == .processing }
        let asked = Date()
        let cancel = try await worker.cancel(id: second.id)
        guard case .accepted(let answer) = cancel else {
            Issue.record("the cancel was not accepted: \(cancel); first is \(String(describing: try await worker.store.get(id: first.id)))")
            worker.beginShutdown()
            try await running.value
            registry.shutdownAll()
            return
        }
        #expect(answer.status == .cancelled, "\(answer.status)")
        #expect(Date().timeIntervalSince(asked) < 2, "the cancel waited for the first job")
        let cancelled = try #require(await worker.waitForFinish(id: second.id, timeout: 5))
        #expect(cancelled.status == .cancelled && cancelled.result == nil)
        #expect(try await worker.store.get(id: first.id)?.status == .processing)
        let done = try #require(await worker.waitForFinish(id: first.id, timeout: 30))
        #expect(done.status == .completed)
        worker.beginShutdown()
        try await running.value
        registry.shutdownAll()
    }

    @Test func respectsAPluginsMaxConcurrency() async throws {
        var specs = try TestWorker.defaultSpecs()
        specs[1].maxConcurrency = 2
        let worker = try await TestWorker(specs: specs) { $0.maxConcurrentTasks = 8 }
        var ids: [String] = []
        for _ in 0..<6 { ids.append(try await worker.submit("sleep", ["ms": 300]).id) }
        var records: [TaskRecord] = []
        for id in ids { records.append(try #require(await worker.worker.waitForFinish(id: id, timeout: 20))) }
        await worker.stop()
        // At no instant were more than two running.
        let intervals = records.map { ($0.startedAt!, $0.finishedAt!) }
        for (start, _) in intervals {
            let overlapping = intervals.filter { $0.0 <= start && start < $0.1 }.count
            #expect(overlapping <= 2)
        }
        #expect(records.allSatisfy { $0.status == .completed })
    }

    @Test func aQueuedJobOfAnUnknownTypeFailsWithAReason() async throws {
        let worker = try await TestWorker()
        // As if queued before its plugin was removed.
        try await worker.worker.queue.enqueue(NewJob(id: "orphan-1", taskType: "gone", parametersJSON: "{}", options: JobOptions()))
        let record = try #require(await worker.worker.waitForFinish(id: "orphan-1", timeout: 10))
        await worker.stop()
        #expect(record.status == .failed)
        #expect(record.error == "no loaded plugin serves task type 'gone'")
    }

    @Test func progressIsRecordedAndPublished() async throws {
        let worker = try await TestWorker()
        let events = worker.worker.events.subscribe { $0.type == "task.progress" }
        let record = try await worker.run("sleep", ["ms": 300])
        await worker.stop()
        #expect(record.progress == 1)
        var seen = 0
        for await event in events {
            #expect(event.taskId == record.id)
            seen += 1
            if seen == 3 { break }
        }
        #expect(seen == 3)
    }
}
