import Foundation
import Testing
import UvianHost

/// `isolation: process`: a plugin that crashes, aborts, exits or hangs ends only its own child.
@Suite struct IsolationTests {
    static func crashy() throws -> String {
        try CPluginBuilder.build(source: TestPaths.fixturesDir + "/c-plugins/crashy.c", defines: [], name: "crashy")
    }

    /// A worker process serving `crashy` in process isolation with one child at a time.
    static func startWorker(rlimits: String = "{memory_mb: 700, open_files: 256}") async throws -> WorkerProcess {
        let worker = try WorkerProcess(environment: ["CANCEL_GRACE_SECONDS": "0.3"])
        try """
            plugin_dirs: [\(TestPaths.buildDir)]
            plugins:
              - name: crashy
                path: \(try crashy())
                isolation: process
                processes: 1
                rlimits: \(rlimits)
            """.write(toFile: worker.dataDir + "/plugins.yaml", atomically: true, encoding: .utf8)
        try await worker.start()
        return worker
    }

    static func run(_ worker: WorkerProcess, _ parameters: String, options: String = #"{"attempts": 1}"#) async throws -> JSONValue {
        let reply = try await worker.request("POST", "/execute?wait=20",
                                             body: #"{"task_type": "crashy", "parameters": \#(parameters), "options": \#(options)}"#)
        #expect(reply.status == 200 || reply.status == 201, "\(reply.body)")
        let json = try #require(reply.json)
        if ["completed", "failed", "cancelled"].contains(json["status"]?.stringValue) { return json }
        return try await worker.waitForTask(try #require(json["task_id"]?.stringValue))
    }

    @Test func crashesAbortsExitsAndHangsFailOnlyTheirJob() async throws {
        let worker = try await Self.startWorker()
        defer { Task { await worker.stop() } }

        let first = try await Self.run(worker, #"{"action": "ok"}"#)
        #expect(first["status"] == "completed")
        let firstPid = try #require(first["result"]?["pid"]?.intValue)
        #expect(firstPid != Int(worker.process.processIdentifier), "the job ran inside the worker")

        let cases: [(String, String)] = [
            (#"{"action": "segv"}"#, "killed by signal 11 (Segmentation fault)"),
            (#"{"action": "abort"}"#, "killed by signal 6 (Aborted)"),
            (#"{"action": "exit"}"#, "exited with status 3"),
        ]
        var pids: Set<Int> = [firstPid]
        for (parameters, reason) in cases {
            let failed = try await Self.run(worker, parameters)
            #expect(failed["status"] == "failed")
            let error = failed["error"]?.stringValue ?? ""
            #expect(error.hasPrefix("plugin process ") && error.hasSuffix(reason), "\(error)")
            // The next job succeeds, in a fresh child.
            let next = try await Self.run(worker, #"{"action": "ok"}"#)
            #expect(next["status"] == "completed")
            let pid = try #require(next["result"]?["pid"]?.intValue)
            #expect(pids.insert(pid).inserted, "a dead child was reused")
        }

        let hung = try await Self.run(worker, #"{"action": "hang"}"#, options: #"{"attempts": 1, "timeout_s": 1}"#)
        #expect(hung["status"] == "failed")
        let hangError = hung["error"]?.stringValue ?? ""
        #expect(hangError.hasPrefix("timed out after 1s (the plugin did not stop; its plugin process (pid "), "\(hangError)")
        #expect(hangError.hasSuffix(") was killed)"), "\(hangError)")
        #expect(try await Self.run(worker, #"{"action": "ok"}"#)["status"] == "completed")

        // A crash with attempts left is retried like any internal failure.
        let retried = try await Self.run(worker, #"{"action": "segv"}"#, options: #"{"attempts": 2, "backoff": {"type": "fixed", "delay": 10}}"#)
        #expect(retried["status"] == "failed")
        #expect(retried["attempts"]?.intValue == 2)

        // A stray printf in the plugin does not corrupt the protocol.
        #expect(try await Self.run(worker, #"{"action": "printf"}"#)["status"] == "completed")
        #expect(worker.process.isRunning)
        let exits = worker.logLines().filter { $0["message"] == "plugin.process.exited" }
        #expect(exits.count >= 5, "\(exits.count) children reported dead")
        let plugins = try await worker.request("GET", "/plugins").json?["plugins"]?.arrayValue ?? []
        #expect(plugins.first?["isolation"] == "process")
        #expect(plugins.first?["runtime"] == "c")
    }

    @Test func hostCallsCrossTheProcessBoundary() async throws {
        let worker = try await Self.startWorker()
        defer { Task { await worker.stop() } }
        let done = try await Self.run(worker, #"{"action": "chatty"}"#)
        #expect(done["status"] == "completed", "\(done)")
        #expect(done["result"]?["invoke_status"] == 0)
        let conversationId = try #require(done["result"]?["reply"]?["conversation"]?["conversation_id"]?.stringValue)
        let conversation = try await worker.request("GET", "/conversations/\(conversationId)")
        #expect(conversation.json?["title"] == "from crashy" || conversation.json?["conversation"]?["title"] == "from crashy", "\(conversation.body)")
        #expect(done["progress"]?.doubleValue == 0.5 || done["progress"]?.doubleValue == 1)
        let taskId = try #require(done["task_id"]?.stringValue)
        let logged = worker.logLines().contains {
            $0["message"] == "plugin.log" && $0["plugin.message"] == "crashy is chatty" && $0["task.id"]?.stringValue == taskId
        }
        #expect(logged, "the plugin's log line did not reach the worker's log with the task id")
    }

    @Test func resourceLimitsApplyInTheChild() async throws {
        let worker = try await Self.startWorker()
        defer { Task { await worker.stop() } }
        let small = try await Self.run(worker, #"{"action": "alloc", "mb": 16}"#)
        #expect(small["result"] == ["allocated_mb": 16])
        let big = try await Self.run(worker, #"{"action": "alloc", "mb": 2048}"#)
        #expect(big["status"] == "failed")
        #expect(big["error"] == "malloc failed")
        #expect(try await Self.run(worker, #"{"action": "ok"}"#)["status"] == "completed")
    }

    @Test func aCPULimitEndsARunawayJob() async throws {
        let worker = try await Self.startWorker(rlimits: "{cpu_s: 1}")
        defer { Task { await worker.stop() } }
        let spun = try await Self.run(worker, #"{"action": "spin"}"#, options: #"{"attempts": 1, "timeout_s": 30}"#)
        #expect(spun["status"] == "failed")
        #expect(spun["error"]?.stringValue?.hasSuffix("(CPU time limit exceeded)") == true, "\(spun)")
        // The limit is per job: the next job in the new child gets its own second.
        #expect(try await Self.run(worker, #"{"action": "ok"}"#)["status"] == "completed")
        let entry = try #require(try await worker.request("GET", "/plugins").json?["plugins"]?[0])
        #expect(entry["processes"]?["died"] == 1)
        #expect(entry["processes"]?["capacity"] == 1)
        #expect(entry["processes"]?["last_exit"]?.stringValue?.contains("signal 24") == true)
    }

    @Test func rlimitsNeedProcessIsolation() throws {
        let yaml = """
            plugins:
              - name: crashy
                rlimits: {memory_mb: 100}
            """
        #expect(throws: PluginsFile.ParseError.self) { try PluginsFile.parse(yaml, environment: [:]) }
        let typo = """
            plugins:
              - name: crashy
                isolation: process
                rlimits: {memory: 100}
            """
        do {
            _ = try PluginsFile.parse(typo, environment: [:])
            Issue.record("an unknown rlimit was accepted")
        } catch {
            #expect(error.description.contains("unknown key 'memory'"))
        }
    }
}
