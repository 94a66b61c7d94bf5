import Foundation
import Testing
import UvianHost

/// The HTTP API end to end: a real `uvian-worker serve` process, spoken to over a real socket.
@Suite struct HTTPAPITests {
    static let statistics = #"{"task_type":"data_processing","parameters":{"operation":"statistics","data":[2,4,4,4,5,5,7,9]}}"#

    func withWorker(environment: [String: String] = [:], _ body: (WorkerProcess) async throws -> Void) async throws {
        try await WorkerProcess.with(environment: environment, body)
    }

    /// Bug: with CLEANUP_INTERVAL=0 ("never") the clean-up service returned at start-up, which
    /// ended the service group: the HTTP API stopped, and SIGTERM no longer stopped the worker.
    @Test func cleanupIntervalZeroKeepsTheWorkerServing() async throws {
        let worker = try WorkerProcess(environment: ["CLEANUP_INTERVAL": "0"])
        try await worker.start()
        for _ in 0..<3 {
            #expect(try await worker.request("GET", "/health").status == 200)
            let done = try await worker.request("POST", "/execute?wait=10", body: Self.statistics)
            #expect(done.json?["status"] == "completed")
        }
        worker.signal(SIGTERM)
        #expect(await worker.waitForExit(timeout: 10) == 0)
    }

    @Test func runsAStatisticsTaskAndServesItsResult() async throws {
        try await withWorker { worker in
            let accepted = try await worker.request("POST", "/execute", body: Self.statistics)
            #expect(accepted.status == 202)
            let id = try #require(accepted.json?["task_id"]?.stringValue)
            #expect(accepted.json?["status"]?.stringValue == "pending")

            let task = try await worker.waitForTask(id)
            #expect(task["status"]?.stringValue == "completed")
            #expect(task["task_type"]?.stringValue == "data_processing")
            #expect(task["attempts"]?.intValue == 1)
            #expect(task["progress"]?.doubleValue == 1)
            #expect(task["error"] == .null)
            #expect(task["created_at"]?.stringValue != nil && task["finished_at"]?.stringValue != nil)
            let result = try #require(task["result"])
            #expect(result["mean"]?.doubleValue == 5)
            #expect(result["median"]?.doubleValue == 4.5)
            #expect(result["std_population"]?.doubleValue == 2)
            #expect(result["count"]?.intValue == 8)
        }
    }

    @Test func waitReturnsTheFinishedTask() async throws {
        try await withWorker { worker in
            let reply = try await worker.request("POST", "/execute?wait=10", body: Self.statistics)
            #expect(reply.status == 200)
            #expect(reply.json?["status"]?.stringValue == "completed")
            #expect(reply.json?["result"]?["max"]?.doubleValue == 9)

            // Still running when the wait ends: 202 with the task as it is.
            let slow = try await worker.request("POST", "/execute?wait=0.2", body: #"{"task_type":"sleep","parameters":{"ms":3000}}"#)
            #expect(slow.status == 202)
            #expect(["pending", "processing"].contains(slow.json?["status"]?.stringValue))

            // The same idempotency key while waiting: the first task, finished, not a second one.
            let keyed = #"{"task_type":"echo","parameters":{"k":1},"options":{"idempotency_key":"wait-key"}}"#
            let first = try await worker.request("POST", "/execute?wait=10", body: keyed)
            let again = try await worker.request("POST", "/execute?wait=10", body: keyed)
            #expect(first.status == 200 && again.status == 200)
            #expect(first.json?["task_id"]?.stringValue != nil && again.json?["task_id"] == first.json?["task_id"])
            #expect(again.json?["status"]?.stringValue == "completed")
            #expect(again.json?["result"] == first.json?["result"])
        }
    }

    @Test func rejectsBadInputWithJSONErrors() async throws {
        try await withWorker { worker in
            func expectError(_ method: String, _ path: String, _ body: String?, status: Int, code: String, mentions: String? = nil) async throws {
                let reply = try await worker.request(method, path, body: body)
                #expect(reply.status == status, "\(method) \(path) \(body ?? ""): \(reply.status) \(reply.body)")
                #expect(reply.json?["error"]?["code"]?.stringValue == code, "\(reply.body)")
                #expect(reply.json?["error"]?["message"]?.stringValue?.isEmpty == false)
                if let mentions { #expect(reply.body.contains(mentions), "\(reply.body) should mention \(mentions)") }
            }
            try await expectError("POST", "/execute", "{not json", status: 400, code: "malformed_json")
            try await expectError("POST", "/execute", "", status: 400, code: "malformed_json")
            try await expectError("POST", "/execute", "[1,2]", status: 400, code: "invalid_body")
            try await expectError("POST", "/execute", #"{"parameters":{}}"#, status: 422, code: "invalid_request", mentions: "task_type")
            try await expectError("POST", "/execute", #"{"task_type":"nope"}"#, status: 404, code: "unknown_task_type", mentions: "data_processing")
            try await expectError("POST", "/execute", #"{"task_type":"data_processing","parameters":{"operation":"median","data":[1]}}"#,
                                  status: 422, code: "invalid_parameters", mentions: "parameters.operation")
            try await expectError("POST", "/execute", #"{"task_type":"data_processing","parameters":{"operation":"sum","data":[1,"x"]}}"#,
                                  status: 422, code: "invalid_parameters", mentions: "parameters.data[1]")
            try await expectError("POST", "/execute", #"{"task_type":"sleep","parameters":{}}"#,
                                  status: 422, code: "invalid_parameters", mentions: "ms")
            try await expectError("POST", "/execute", #"{"task_type":"echo","parameters":[]}"#, status: 422, code: "invalid_parameters")
            try await expectError("POST", "/execute", #"{"task_type":"echo","options":{"attempts":0}}"#,
                                  status: 422, code: "invalid_options", mentions: "options.attempts")
            try await expectError("POST", "/execute", #"{"task_type":"echo","options":{"retries":3}}"#,
                                  status: 422, code: "invalid_options", mentions: "options.retries")
            try await expectError("POST", "/execute", #"{"task_type":"echo","extra":1}"#, status: 422, code: "invalid_request", mentions: "extra")
            try await expectError("POST", "/execute?wait=abc", #"{"task_type":"echo"}"#, status: 400, code: "invalid_query")
            try await expectError("GET", "/task/does-not-exist", nil, status: 404, code: "task_not_found")
            try await expectError("DELETE", "/task/does-not-exist", nil, status: 404, code: "task_not_found")
            try await expectError("GET", "/tasks?status=bogus", nil, status: 400, code: "invalid_query")
            try await expectError("GET", "/tasks?limit=0", nil, status: 400, code: "invalid_query")
            try await expectError("GET", "/no/such/route", nil, status: 404, code: "not_found")

            let done = try await worker.request("POST", "/execute?wait=10", body: #"{"task_type":"echo","parameters":{"a":1}}"#)
            let id = try #require(done.json?["task_id"]?.stringValue)
            try await expectError("DELETE", "/task/\(id)", nil, status: 409, code: "task_finished")
        }
    }

    @Test func survivesGarbageInput() async throws {
        try await withWorker { worker in
            var generator = TestSeed.generator(for: "survivesGarbageInput")
            let pieces = ["{", "}", "[", "]", "\"", ":", ",", "task_type", "parameters", "options", "echo", "data_processing",
                          "null", "1e999", "-", "\\u", "\\ud800", "true", "\u{0}", "é", "0.5", "{\"a\":"]
            for _ in 0..<120 {
                let body = (0..<Int.random(in: 1...20, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
                let reply = try await worker.request("POST", "/execute", body: body)
                #expect((200..<500).contains(reply.status), "\(body) -> \(reply.status) (seed \(generator.seed))")
                #expect(reply.json != nil, "\(body) -> \(reply.body) (seed \(generator.seed))")
            }
            let deep = String(repeating: "[", count: 100_000)
            let reply = try await worker.request("POST", "/execute", body: deep)
            #expect(reply.status == 400)
            #expect(worker.process.isRunning)
            #expect(try await worker.request("GET", "/health").status == 200)
        }
    }

    @Test func listsFiltersAndPaginatesTasks() async throws {
        try await withWorker { worker in
            for n in 0..<3 {
                _ = try await worker.request("POST", "/execute?wait=10", body: #"{"task_type":"echo","parameters":{"n":\#(n)}}"#)
            }
            _ = try await worker.request("POST", "/execute?wait=10", body: #"{"task_type":"fixture_fail"}"#)
            let all = try await worker.request("GET", "/tasks")
            #expect(all.json?["total"]?.intValue == 4)
            let echo = try await worker.request("GET", "/tasks?task_type=echo&limit=2&offset=0")
            #expect(echo.json?["total"]?.intValue == 3)
            #expect(echo.json?["tasks"]?.arrayValue?.count == 2)
            let page2 = try await worker.request("GET", "/tasks?task_type=echo&limit=2&offset=2")
            #expect(page2.json?["tasks"]?.arrayValue?.count == 1)
            let failed = try await worker.request("GET", "/tasks?status=failed")
            #expect(failed.json?["tasks"]?.arrayValue?.map { $0["task_type"]?.stringValue } == ["fixture_fail"])
            #expect(failed.json?["tasks"]?[0]?["error"]?.stringValue == "fixture failure")
        }
    }

    @Test func cancelsARunningTaskOverHTTP() async throws {
        try await withWorker { worker in
            let accepted = try await worker.request("POST", "/execute", body: #"{"task_type":"sleep","parameters":{"ms":30000}}"#)
            let id = try #require(accepted.json?["task_id"]?.stringValue)
            try await poll(100, every: .milliseconds(20), "the job's start") {
                try await worker.request("GET", "/task/\(id)").json?["status"]?.stringValue == "processing"
            }
            let reply = try await worker.request("DELETE", "/task/\(id)")
            #expect(reply.status == 200)
            #expect(reply.json?["status"]?.stringValue == "cancelled")
        }
    }

    @Test func listsPluginsHealthAndOpenAPI() async throws {
        try await withWorker { worker in
            let health = try await worker.request("GET", "/health")
            #expect(health.status == 200)
            #expect(health.json?["status"]?.stringValue == "ok")
            #expect(health.json?["plugins"]?["loaded"]?.intValue == 3)

            let plugins = try await worker.request("GET", "/plugins")
            let list = try #require(plugins.json?["plugins"]?.arrayValue)
            let names = Set(list.compactMap { $0["name"]?.stringValue })
            #expect(names == ["data", "hello-c", "fixture"])
            let data = try #require(list.first { $0["name"]?.stringValue == "data" })
            #expect(data["state"]?.stringValue == "loaded")
            #expect(data["version"]?.stringValue == "1.0.0")
            #expect(data["task_types"]?[0]?["name"]?.stringValue == "data_processing")
            #expect(data["task_types"]?[0]?["params_schema"]?["type"] != nil)

            let openapi = try await worker.request("GET", "/openapi.json")
            #expect(openapi.json?["openapi"]?.stringValue == "3.1.0")
            let paths = Set(openapi.json?["paths"]?.objectValue?.keys.map { $0 } ?? [])
            #expect(paths == ["/health", "/execute", "/task/{id}", "/tasks", "/plugins", "/events", "/openapi.json",
                              "/conversations", "/conversations/{id}", "/conversations/{id}/messages", "/plugins/{name}/reload", "/events/ws",
                              "/schedules", "/schedules/{id}", "/schedules/{id}/trigger", "/flows",
                              "/control/{command}", "/workers", "/task/{id}/retry", "/task/{id}/promote", "/task/{id}/logs", "/tasks/retry",
                              "/tasks/clean", "/queue", "/queue/pause", "/queue/resume", "/metrics", "/webhooks/failed", "/",
                              "/dashboard/{file}", "/session", "/stats"])
        }
    }

    @Test func streamsTaskEventsOverSSE() async throws {
        try await withWorker { worker in
            let accepted = try await worker.request("POST", "/execute", body: #"{"task_type":"sleep","parameters":{"ms":800},"options":{"delay_ms":4000}}"#)
            let id = try #require(accepted.json?["task_id"]?.stringValue)
            // Subscribe while the job is still delayed (4 s leaves room for curl to start on a loaded
            // machine), then read until the stream times out. 15 s: the whole suite runs at once on
            // two cores, and a 5 s read once ended before the job had started (fresh-clone CI).
            let stream = try await HTTPReply.fetch("GET", worker.baseURL + "/events?task_id=\(id)", maxTime: 15)
            #expect(stream.headers.lowercased().contains("content-type: text/event-stream"))
            let events = stream.body.split(separator: "\n").filter { $0.hasPrefix("event: ") }.map { String($0.dropFirst(7)) }
            #expect(events.first == "task.processing")
            #expect(events.contains("task.progress"))
            #expect(events.last == "task.completed")
            let data = stream.body.split(separator: "\n").filter { $0.hasPrefix("data: ") }.compactMap { try? JSONValue.parse(String($0.dropFirst(6))) }
            #expect(data.allSatisfy { $0["task_id"]?.stringValue == id })
        }
    }

    @Test func jobLogLinesCarryTheTaskIdAndType() async throws {
        try await withWorker { worker in
            let reply = try await worker.request("POST", "/execute?wait=10", body: #"{"task_type":"echo","parameters":{"x":1}}"#)
            let id = try #require(reply.json?["task_id"]?.stringValue)
            // The job's lines reach the log file after the answer: until its end is logged.
            try await poll(200, every: .milliseconds(10), "the job's lines in the log") {
                worker.logLines().contains { $0["task.id"]?.stringValue == id && $0["message"] == "task.completed" }
            }
            let lines = worker.logLines().filter { $0["task.id"]?.stringValue == id }
            #expect(lines.count >= 2, "\(worker.rawLog)")
            #expect(lines.allSatisfy { $0["task.type"]?.stringValue == "echo" })
            // hello-c logs through the host table; that line is attributed to the job too.
            #expect(lines.contains { $0["message"]?.stringValue == "plugin.log" })
            #expect(lines.allSatisfy { $0["level"] != nil && $0["timestamp"] != nil })
        }
    }

    @Test func conversationsOverHTTP() async throws {
        try await withWorker { worker in
            let created = try await worker.request("POST", "/conversations", body: #"{"title":"support","metadata":{"user":"u-7"}}"#)
            #expect(created.status == 201)
            let id = try #require(created.json?["conversation_id"]?.stringValue)
            #expect(try await worker.request("GET", "/conversations/\(id)").json?["title"]?.stringValue == "support")
            for (role, content) in [("user", "hello"), ("assistant", "hi, how can I help?"), ("user", "thanks")] {
                let appended = try await worker.request("POST", "/conversations/\(id)/messages", body: #"{"role":"\#(role)","content":"\#(content)"}"#)
                #expect(appended.status == 201, "\(appended.body)")
            }
            let last2 = try await worker.request("GET", "/conversations/\(id)/messages?limit=2")
            #expect(last2.json?["messages"]?.arrayValue?.compactMap { $0["content"]?.stringValue } == ["hi, how can I help?", "thanks"])
            #expect(last2.json?["messages"]?[1]?["seq"]?.intValue == 3)

            #expect(try await worker.request("GET", "/conversations/nope").json?["error"]?["code"]?.stringValue == "conversation_not_found")
            #expect(try await worker.request("GET", "/conversations/nope/messages").status == 404)
            #expect(try await worker.request("POST", "/conversations/nope/messages", body: #"{"role":"user","content":"x"}"#).status == 404)
            let badRole = try await worker.request("POST", "/conversations/\(id)/messages", body: #"{"role":"robot","content":"x"}"#)
            #expect(badRole.status == 422)
            #expect(badRole.body.contains("role must be one of"))
            #expect(try await worker.request("POST", "/conversations", body: #"{"conversation_id":"\#(id)"}"#).status == 409)
            #expect(try await worker.request("POST", "/conversations", body: "[]").status == 400)
        }
    }

    @Test func reloadsAPluginOverHTTP() async throws {
        try await withWorker { worker in
            let unchanged = try await worker.request("POST", "/plugins/hello-c/reload")
            #expect(unchanged.status == 200)
            #expect(unchanged.json?["reloaded"] == false)
            #expect(unchanged.json?["plugin"]?["generation"]?.intValue == 1)
            #expect(unchanged.json?["plugin"]?["sha256"]?.stringValue?.count == 64)
            let unknown = try await worker.request("POST", "/plugins/nope/reload")
            #expect(unknown.status == 404)
            #expect(unknown.json?["error"]?["code"]?.stringValue == "unknown_plugin")
        }
    }

    @Test func bearerTokenWhenAPIKeyIsSet() async throws {
        try await withWorker(environment: ["API_KEY": "s3cret"]) { worker in
            #expect(try await worker.request("GET", "/health").status == 200)
            let denied = try await worker.request("GET", "/tasks")
            #expect(denied.status == 401)
            #expect(denied.json?["error"]?["code"]?.stringValue == "unauthorized")
            #expect(try await worker.request("GET", "/tasks", headers: ["Authorization: Bearer s3cret"]).status == 200)
            #expect(try await worker.request("GET", "/tasks", headers: ["Authorization: Bearer wrong"]).status == 401)
            for near in ["Bearer s3cre", "Bearer s3crett", "Bearer S3cret", "bearer s3cret", "s3cret", ""] {
                #expect(try await worker.request("GET", "/tasks", headers: ["Authorization: \(near)"]).status == 401, "\(near)")
            }
        }
    }

    /// The token is compared without stopping at the first wrong byte.
    @Test func tokensAreComparedWholly() {
        let key = Array("Bearer s3cret".utf8)
        #expect(BearerToken.constantTimeEqual(key, key))
        for other in ["Bearer s3cre", "Bearer s3crett", "Bearer s3creT", "", "Bearer s3cret\u{0}", "X" + "earer s3cret"] {
            #expect(!BearerToken.constantTimeEqual(Array(other.utf8), key), "\(other)")
        }
        // Lengths that differ by a multiple of 256 are still told apart.
        #expect(!BearerToken.constantTimeEqual(key + [UInt8](repeating: 0, count: 256), key))
    }
}
