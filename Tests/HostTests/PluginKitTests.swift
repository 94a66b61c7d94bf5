import Foundation
import Testing
import UvianHost

/// PluginKit seen from the host: async handlers through UVW_PENDING, errors mapped to statuses,
/// config and init failures, events and progress from Swift.
@Suite struct PluginKitTests {
    static var fixturePath: String { TestPaths.buildDir + "/libSwiftFixturePlugin.so" }

    func specs(config: JSONValue = [:]) -> [PluginSpec] {
        [PluginSpec(name: "swift-fixture", path: Self.fixturePath, config: config)]
    }

    @Test func asyncHandlersRunManyAtOnceWithoutDeadlock() async throws {
        // More concurrent async jobs than the cooperative pool has threads: a semaphore-bridged
        // plugin would deadlock here; the UVW_PENDING path must not.
        let worker = try await TestWorker(specs: specs(config: ["greeting": "hi"])) { $0.maxConcurrentTasks = 16 }
        var ids: [String] = []
        for _ in 0..<16 { ids.append(try await worker.submit("swift_nap", ["ms": 200]).id) }
        for id in ids {
            let record = try #require(await worker.worker.waitForFinish(id: id, timeout: 20))
            #expect(record.status == .completed)
            #expect(record.result == ["greeting": "hi", "slept_ms": "200"])
        }
        await worker.stop()
    }

    @Test func eventsAndProgressFromSwift() async throws {
        let worker = try await TestWorker(specs: specs())
        let ticks = worker.worker.events.subscribe { $0.type == "fixture.tick" }
        let record = try await worker.run("swift_nap", ["ms": 90, "events": 3])
        await worker.stop()
        #expect(record.progress == 1)
        var steps: [Int] = []
        for await event in ticks {
            steps.append(event.data["step"]?.intValue ?? -1)
            if steps.count == 3 { break }
        }
        #expect(steps == [0, 1, 2])
    }

    @Test func cancellationReachesAsyncCode() async throws {
        let worker = try await TestWorker(specs: specs())
        let record = try await worker.run("swift_nap", ["ms": 10_000, "events": 100], options: try JobOptions(json: ["timeout_s": 0.3]))
        await worker.stop()
        #expect(record.status == .failed)
        #expect(record.error == "timed out after 0.3s")
    }

    @Test func thrownErrorsMapToStatuses() async throws {
        let worker = try await TestWorker(specs: specs())
        let retryable = try await worker.run("swift_fail", ["kind": "retryable"], options: try JobOptions(json: ["attempts": 2]))
        #expect(retryable.status == .failed)
        #expect(retryable.attempts == 2)
        #expect(retryable.error == "try again later")
        let permanent = try await worker.run("swift_fail", ["kind": "permanent"], options: try JobOptions(json: ["attempts": 2]))
        #expect(permanent.attempts == 1)
        #expect(permanent.error == "never works")
        // Parameters that do not decode: invalid params, never retried, with the field named.
        let invalid = try await worker.run("swift_fail", ["wrong": 1], options: try JobOptions(json: ["attempts": 3]))
        #expect(invalid.attempts == 1)
        #expect(invalid.error == "missing parameter 'kind'")
        await worker.stop()
    }

    @Test(arguments: StoreBackend.available)
    func hostStoreServicesThroughInvoke(_ backend: StoreBackend) async throws {
        let worker = try await TestWorker(specs: specs(), store: backend)
        let conversation = try await worker.worker.store.createConversation(Conversation(title: "chat"))
        let first = try await worker.run("swift_history", ["conversation_id": .string(conversation.id), "message": "hello"])
        #expect(first.status == .completed, "\(first.error ?? "")")
        #expect(first.result?["content"] == "heard 1 message(s)")
        let second = try await worker.run("swift_history", ["conversation_id": .string(conversation.id), "message": "again"])
        #expect(second.result?["content"] == "heard 3 message(s)")
        let messages = try await worker.worker.store.messages(conversationId: conversation.id, limit: 10)
        #expect(messages.map(\.role) == ["user", "assistant", "user", "assistant"])
        #expect(messages.map(\.content) == ["hello", "heard 1 message(s)", "again", "heard 3 message(s)"])
        #expect(messages[1].metadata == ["model": "fixture"])
        #expect(second.result?["message_id"]?.stringValue == messages[3].id)
        // An unknown conversation is a clear, non-retried failure.
        let missing = try await worker.run("swift_history", ["conversation_id": "nope", "message": "x"], options: try JobOptions(json: ["attempts": 3]))
        #expect(missing.status == .failed)
        #expect(missing.attempts == 1)
        #expect(missing.error?.contains("no conversation with id nope") == true)
        await worker.stop()
    }

    @Test func initErrorsRefuseThePlugin() throws {
        let loader = PluginLoader(pluginDirs: [], logger: TestWorker.quietLogger)
        #expect(throws: PluginLoadError.self) {
            _ = try loader.load(PluginSpec(name: "swift-fixture", path: Self.fixturePath, config: ["greeting": "refuse"]))
        }
        do {
            _ = try loader.load(PluginSpec(name: "swift-fixture", path: Self.fixturePath, config: ["greeting": "refuse"]))
        } catch {
            #expect(error.reason == "init failed: greeting 'refuse' refused")
        }
    }
}
