import Foundation
import Logging
import Testing
import UvianHost

/// ABI 1.3: a task's info (attempt, queue, timestamps), `invoke_async`, the monotonic deadline and
/// self-tests of expected failures; plugins built against 1.2 keep loading.
@Suite struct ABIMinor3Tests {
    static let source = TestPaths.fixturesDir + "/c-plugins/taskinfo.c"

    /// The C fixture built as a third party would, with the build line the guide gives.
    static func taskInfoPlugin(as12: Bool = false) throws -> String {
        try CPluginBuilder.build(source: source, defines: ["_POSIX_C_SOURCE=200809L"] + (as12 ? ["TASKINFO_AS_1_2"] : []),
                                 name: as12 ? "taskinfo-1.2" : "taskinfo")
    }

    @Test func pluginsBuiltAgainst12And13BothLoad() async throws {
        let loader = PluginLoader(pluginDirs: [], logger: TestWorker.quietLogger)
        let old = try loader.load(PluginSpec(name: "taskinfo-1.2", path: try Self.taskInfoPlugin(as12: true)))
        #expect(old.abiMinorRequired == 2)
        #expect(old.taskTypes.map(\.name) == ["as_1_2"])
        #expect(old.taskTypes[0].exampleStatus == 0 && old.taskTypes[0].exampleError == nil)
        let outcome = try await DirectCall.run(old, "as_1_2", "{}")
        #expect(outcome.status == .ok && outcome.resultJSON == #"{"abi":"1.2"}"#)

        let new = try loader.load(PluginSpec(name: "taskinfo", path: try Self.taskInfoPlugin()))
        #expect(new.abiMinorRequired == 3)
        #expect(new.taskTypes.map(\.name) == ["flaky_until_third", "invoke_async_get"])
        #expect(new.taskTypes[0].exampleStatus == 103 && new.taskTypes[0].exampleError == "fails on purpose")
        old.shutdown()
        new.shutdown()
    }

    @Test(arguments: ["in_process", "process"])
    func aCPluginFailsItsFirstTwoAttemptsThroughTheTaskInfo(_ isolation: String) async throws {
        var spec = PluginSpec(name: "taskinfo", path: try Self.taskInfoPlugin())
        spec.isolation = isolation
        let worker = try await TestWorker(specs: [spec]) { $0.queueName = "abi-queue" }
        let events = worker.worker.events.subscribe { $0.type.hasPrefix("task.") }
        var options = JobOptions()
        options.attempts = 3
        options.timeoutSeconds = 20
        let done = try await worker.run("flaky_until_third", ["conversation_id": "conv-7"], options: options)
        #expect(done.status == .completed, "\(done.json)")
        #expect(done.attempts == 3)
        let result = try #require(done.result)
        #expect(result["attempt"] == 3 && result["max_attempts"] == 3 && result["stalled_count"] == 0)
        #expect(result["task_id"]?.stringValue == done.id && result["task_type"] == "flaky_until_third")
        #expect(result["queue"] == "abi-queue" && result["conversation_id"] == "conv-7")
        #expect(result["created"] == true && result["started"] == true && result["deadline_mono_ns"] == true)
        // Deadline 20 s after the start: the monotonic deadline says the same.
        let left = try #require(result["mono_left_ms"]?.doubleValue)
        #expect(left > 10_000 && left <= 20_000, "\(left)")
        let deadlineMs = try #require(result["deadline_ms"]?.doubleValue)
        #expect(abs(deadlineMs / 1000 - (done.startedAt ?? Date()).timeIntervalSince1970 - 20) < 2)

        // Both failed attempts were announced, with the failure's own result beside the error.
        var retrying: [JSONValue] = []
        for await event in events where event.taskId == done.id {
            if event.type == "task.retrying" { retrying.append(event.data) }
            if event.type == "task.completed" { break }
        }
        #expect(retrying.map { $0["attempt"] } == [1, 2])
        #expect(retrying.map { $0["error"] } == ["attempt 1 of 3 fails on purpose", "attempt 2 of 3 fails on purpose"])
        #expect(retrying.map { $0["result"] } == [["attempt": 1], ["attempt": 2]])
        await worker.stop()
    }

    /// Bug: the host kept a plugin's result only for a success. A failure's result stays beside
    /// its error, in the store and in the terminal event.
    @Test func aFailedTaskKeepsWhatItsPluginReported() async throws {
        let worker = try await TestWorker(specs: [PluginSpec(name: "taskinfo", path: try Self.taskInfoPlugin())])
        var options = JobOptions()
        options.attempts = 2
        let events = worker.worker.events.subscribe { $0.type == "task.failed" }
        let failed = try await worker.run("flaky_until_third", [:], options: options)
        #expect(failed.status == .failed)
        #expect(failed.error == "attempt 2 of 2 fails on purpose")
        #expect(failed.result == ["attempt": 2])
        #expect(try await worker.worker.store.get(id: failed.id)?.result == ["attempt": 2])
        for await event in events where event.taskId == failed.id {
            #expect(event.data["result"] == ["attempt": 2] && event.data["attempt"] == 2)
            break
        }
        await worker.stop()
    }

    @Test(arguments: ["in_process", "process"])
    func invokeAsyncAnswersFromAHostThread(_ isolation: String) async throws {
        var spec = PluginSpec(name: "taskinfo", path: try Self.taskInfoPlugin())
        spec.isolation = isolation
        let worker = try await TestWorker(specs: [spec])
        let conversation = try await worker.worker.store.createConversation(Conversation(id: "c-async", title: "async"))
        let found = try await worker.run("invoke_async_get", ["conversation_id": .string(conversation.id)])
        #expect(found.status == .completed, "\(found.json)")
        #expect(found.result?["conversation"]?["conversation_id"] == "c-async")
        let missing = try await worker.run("invoke_async_get", ["conversation_id": 5])
        #expect(missing.status == .failed)
        #expect(missing.error?.contains("conversation_id is required and must be a non-empty string") == true, "\(missing.error ?? "")")
        await worker.stop()
    }

    /// Bug: PluginKit's only invoke blocked its thread, and an async handler calling it held a
    /// thread of the cooperative pool (two on this machine) until the host's store call, itself
    /// async, finished: eight jobs at once deadlocked. `await invoke` (invoke_async) holds none.
    @Test func swiftAsyncHandlersInvokeTheHostWithoutHoldingThreads() async throws {
        let spec = PluginSpec(name: "swift-fixture", path: TestPaths.buildDir + "/libSwiftFixturePlugin.so")
        let worker = try await TestWorker(specs: [spec]) { $0.maxConcurrentTasks = 16 }
        let conversation = try await worker.worker.store.createConversation(Conversation(title: "many"))
        var ids: [String] = []
        for n in 0..<32 {
            ids.append(try await worker.submit("swift_history_async", ["conversation_id": .string(conversation.id), "message": .string("m\(n)")]).id)
        }
        for id in ids {
            let done = try #require(await worker.worker.waitForFinish(id: id, timeout: 60))
            #expect(done.status == .completed, "\(done.json)")
            #expect(done.result?["content"]?.stringValue?.hasPrefix("heard ") == true)
        }
        #expect(try await worker.worker.store.messages(conversationId: conversation.id, limit: 1000).count == 64)
        let info = try await worker.run("swift_info", [:])
        #expect(info.result == ["attempt": 1, "max_attempts": 1, "task_id": .string(info.id), "task_type": "swift_info", "queue": "tasks",
                                "has_monotonic_deadline": true, "seconds_left_positive": true])
        await worker.stop()
    }

    @Test func pluginCheckRunsSelfTestsOfExpectedFailures() async throws {
        let c = try await PluginCheckTests().check(try Self.taskInfoPlugin())
        #expect(c.status == 0, "\(c.report)")
        let flaky = try #require(c.report["task_types"]?.arrayValue?.first { $0["name"] == "flaky_until_third" })
        #expect(flaky["self_test"] == "passed")
        #expect(flaky["detail"]?.stringValue?.hasPrefix("failed as expected (retryable)") == true, "\(flaky)")
        #expect(c.report["abi"] == "1.3")

        let swift = try await PluginCheckTests().check(TestPaths.buildDir + "/libSwiftFixturePlugin.so")
        let fail = try #require(swift.report["task_types"]?.arrayValue?.first { $0["name"] == "swift_fail" })
        #expect(fail["self_test"] == "passed", "\(fail)")
    }
}
