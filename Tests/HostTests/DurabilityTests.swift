import Foundation
import Testing
import UvianHost

/// Nothing is lost: a job whose worker is killed runs again when its lease expires, and a
/// graceful shutdown finishes or returns every job.
@Suite struct DurabilityTests {
    @Test func aJobOfAKilledWorkerRunsAgainAfterItsLease() async throws {
        let dir = TestPaths.temporaryDirectory("lease")
        let first = try WorkerProcess(dataDir: dir, environment: ["LEASE_SECONDS": "1"])
        try await first.start()
        // Long enough that the kill lands mid-job even on a loaded machine.
        let accepted = try await first.request("POST", "/execute", body: #"{"task_type":"sleep","parameters":{"ms":6000}}"#)
        let id = try #require(accepted.json?["task_id"]?.stringValue)
        var status: String?
        try await poll(100, every: .milliseconds(20), "the job's start") {
            status = try await first.request("GET", "/task/\(id)").json?["status"]?.stringValue
            return status == "processing"
        }
        first.signal(SIGKILL)
        try #require(status == "processing", "the job was \(status ?? "?") when the worker was killed")
        #expect(await first.waitForExit(timeout: 5) != nil)

        let second = try WorkerProcess(dataDir: dir, environment: ["LEASE_SECONDS": "1"])
        try await second.start()
        let task = try await second.waitForTask(id, timeout: 30)
        await second.stop()
        #expect(task["status"]?.stringValue == "completed")
        #expect(task["attempts"]?.intValue == 2)
        #expect(task["result"]?["slept_ms"]?.intValue == 6000)
    }

    @Test func gracefulShutdownLosesNothing() async throws {
        let dir = TestPaths.temporaryDirectory("shutdown")
        let env = ["SHUTDOWN_TIMEOUT": "1", "MAX_CONCURRENT_TASKS": "3"]
        let first = try WorkerProcess(dataDir: dir, environment: env)
        try await first.start()
        var ids: [String] = []
        for ms in [200, 20_000, 20_000, 100, 100, 100] {
            let reply = try await first.request("POST", "/execute", body: #"{"task_type":"sleep","parameters":{"ms":\#(ms)}}"#)
            ids.append(try #require(reply.json?["task_id"]?.stringValue))
        }
        // The SIGTERM lands with jobs running: the long ones must go back to the queue.
        try await poll(200, every: .milliseconds(20), "the long jobs' start") {
            try await first.request("GET", "/task/\(ids[1])").json?["status"]?.stringValue == "processing"
        }
        first.signal(SIGTERM)
        let status = await first.waitForExit(timeout: 15)
        #expect(status == 0, "\(first.rawLog)")
        #expect(first.logLines().contains { $0["message"]?.stringValue == "worker.stopped" })

        // Every job is either finished or back in the queue; a new worker finishes the rest.
        let second = try WorkerProcess(dataDir: dir, environment: ["SHUTDOWN_TIMEOUT": "1", "MAX_CONCURRENT_TASKS": "6"])
        try await second.start()
        for id in ids {
            let task = try await second.request("GET", "/task/\(id)").json
            #expect(task?["status"]?.stringValue != "failed", "\(task ?? .null)")
        }
        // The long ones were interrupted by the shutdown; cancel them rather than wait 20 s.
        for id in ids {
            let task = try await second.waitForTask(id, timeout: 3)
            if task["status"]?.stringValue != "completed" {
                #expect(task["attempts"]?.intValue ?? 0 <= 1, "returned jobs keep their attempt budget: \(task)")
                _ = try await second.request("DELETE", "/task/\(id)")
            }
        }
        let page = try await second.request("GET", "/tasks?limit=100").json
        await second.stop()
        let statuses = page?["tasks"]?.arrayValue?.compactMap { $0["status"]?.stringValue } ?? []
        #expect(statuses.count == 6)
        #expect(statuses.filter { $0 == "completed" }.count >= 4)
        #expect(!statuses.contains("failed") && !statuses.contains("processing") && !statuses.contains("pending"))
    }

    /// A job that ends while the worker drains at shutdown lets go of its queue row too, on every
    /// store (with PostgreSQL the embedded queue's finish is its own call, which once went out
    /// without the worker's id when no next job was wanted, and the job stayed leased).
    @Test(arguments: StoreBackend.available)
    func aJobFinishingDuringTheDrainLeavesTheQueue(_ backend: StoreBackend) async throws {
        let worker = try await TestWorker(store: backend)
        let record = try await worker.submit("sleep", ["ms": 400])
        try await poll(200, every: .milliseconds(10), "the job's start") {
            try await worker.worker.store.get(id: record.id)?.status == .processing
        }
        // The embedded lease records the start before the slot calls the plugin; a job stopped in
        // between is rightly returned to the queue, not finished: let the 400 ms job get going.
        try await Task.sleep(for: .milliseconds(150))
        await worker.stop()
        let task = try #require(try await worker.worker.store.get(id: record.id))
        #expect(task.status == .completed, "\(task)")
        let depth = try await worker.worker.queue.depth()
        #expect(depth.waiting == 0 && depth.active == 0, "the queue still holds the job: \(depth)")
    }
}
