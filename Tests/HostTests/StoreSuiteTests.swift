import Foundation
import Testing
import UvianHost

/// One suite, every store backend: tasks, conversations and messages behave the same on SQLite
/// and PostgreSQL. `make test` starts a real PostgreSQL 15 so both run in CI.
@Suite struct StoreSuiteTests {
    static let backends = StoreBackend.available

    func task(_ type: String = "echo", parameters: JSONValue = ["n": 1], key: String? = nil, at date: Date = Date()) -> TaskRecord {
        var options = JobOptions()
        options.idempotencyKey = key
        return TaskRecord(id: UUID().uuidString.lowercased(), queue: "tasks", taskType: type, parameters: parameters, options: options, createdAt: date)
    }

    @Test(arguments: backends)
    func createsAndReadsTasks(_ backend: StoreBackend) async throws {
        let store = try await backend.makeStore()
        var options = try JobOptions(json: ["attempts": 3, "backoff": ["type": "exponential", "delay": 100], "priority": 2, "timeout_s": 1.5])
        options.idempotencyKey = "k"
        let record = TaskRecord(id: "t-1", queue: "tasks", taskType: "data_processing",
                                parameters: ["operation": "sum", "data": [1, 2.5, -3e-7], "nested": ["ok": true, "none": nil]], options: options)
        guard case .created = try await store.create(record) else { Issue.record("not created"); return }
        let read = try #require(try await store.get(id: "t-1"))
        #expect(read.taskType == "data_processing")
        #expect(read.status == .pending)
        #expect(read.parameters == record.parameters)
        #expect(read.options == options)
        #expect(abs(read.createdAt.timeIntervalSince(record.createdAt)) < 0.001)
        #expect(try await store.get(id: "missing") == nil)
    }

    @Test(arguments: backends)
    func idempotencyKeyReturnsTheExistingTask(_ backend: StoreBackend) async throws {
        let store = try await backend.makeStore()
        let first = task(key: "order-1")
        _ = try await store.create(first)
        guard case .existing(let existing) = try await store.create(task(parameters: ["n": 2], key: "order-1")) else {
            Issue.record("a second task with the same key was created")
            return
        }
        #expect(existing.id == first.id)
        #expect(existing.parameters == ["n": 1])
    }

    /// A job another producer queued has no record until it starts: starting it creates one,
    /// and starting a known task keeps what was stored at creation.
    @Test(arguments: backends)
    func startingAnUnknownTaskCreatesItsRecord(_ backend: StoreBackend) async throws {
        let store = try await backend.makeStore()
        let foreign = task(parameters: ["from": "bullmq"])
        try await store.markProcessing(foreign, attempt: 1, workerId: "w9", at: Date())
        let read = try #require(try await store.get(id: foreign.id))
        #expect(read.status == .processing && read.attempts == 1 && read.workerId == "w9")
        #expect(read.parameters == ["from": "bullmq"] && read.taskType == foreign.taskType)

        let known = task(parameters: ["n": 1], key: "start-\(UUID().uuidString)")
        _ = try await store.create(known)
        var changed = known
        changed.parameters = ["n": 2]
        try await store.markProcessing(changed, attempt: 2, workerId: "w1", at: Date())
        let kept = try #require(try await store.get(id: known.id))
        #expect(kept.status == .processing && kept.attempts == 2 && kept.parameters == ["n": 1])
        #expect(kept.options.idempotencyKey == known.options.idempotencyKey)
    }

    @Test(arguments: backends)
    func walksTheLifecycle(_ backend: StoreBackend) async throws {
        let store = try await backend.makeStore()
        let record = task()
        _ = try await store.create(record)
        let started = Date()
        try await store.markProcessing(record, attempt: 1, workerId: "w1", at: started)
        try await store.updateProgress(id: record.id, progress: 0.5)
        var read = try #require(try await store.get(id: record.id))
        #expect(read.status == .processing && read.attempts == 1 && read.workerId == "w1" && read.progress == 0.5)
        let runAt = Date().addingTimeInterval(60)
        try await store.markPending(id: record.id, error: "boom", attempts: 1, runAt: runAt)
        read = try #require(try await store.get(id: record.id))
        #expect(read.status == .pending && read.error == "boom" && read.workerId == nil)
        #expect(abs((read.runAt ?? .distantPast).timeIntervalSince(runAt)) < 0.001)
        try await store.markProcessing(record, attempt: 2, workerId: "w2", at: Date())
        try await store.markFinished(id: record.id, status: .completed, result: ["sum": 3, "list": [1, "two"]], error: nil, at: Date())
        read = try #require(try await store.get(id: record.id))
        #expect(read.status == .completed && read.attempts == 2 && read.progress == 1)
        #expect(read.result == ["sum": 3, "list": [1, "two"]])
        #expect(read.finishedAt != nil && read.runAt == nil)
        // Progress after the end is ignored.
        try await store.updateProgress(id: record.id, progress: 0.1)
        #expect(try await store.get(id: record.id)?.progress == 1)
        #expect(try await store.counts()[.completed] == 1)
    }

    @Test(arguments: backends)
    func listsWithFiltersNewestFirstAndPaginates(_ backend: StoreBackend) async throws {
        let store = try await backend.makeStore()
        let base = Date()
        var ids: [String] = []
        for index in 0..<5 {
            let record = task(index % 2 == 0 ? "echo" : "sleep", at: base.addingTimeInterval(Double(index)))
            ids.append(record.id)
            _ = try await store.create(record)
        }
        try await store.markFinished(id: ids[4], status: .failed, result: nil, error: "x", at: Date())
        let all = try await store.list(TaskQuery())
        #expect(all.total == 5)
        #expect(all.tasks.map(\.id) == ids.reversed())
        let echo = try await store.list(TaskQuery(taskType: "echo", limit: 2, offset: 1))
        #expect(echo.total == 3)
        #expect(echo.tasks.map(\.id) == [ids[2], ids[0]])
        let failed = try await store.list(TaskQuery(status: .failed))
        #expect(failed.tasks.map(\.id) == [ids[4]])
        let none = try await store.list(TaskQuery(status: .cancelled, taskType: "echo"))
        #expect(none.total == 0 && none.tasks.isEmpty)
    }

    @Test(arguments: backends)
    func deletesOldFinishedTasksInBatches(_ backend: StoreBackend) async throws {
        let store = try await backend.makeStore()
        let old = Date().addingTimeInterval(-10 * 86_400)
        var oldIds: [String] = []
        for _ in 0..<7 {
            let record = task()
            _ = try await store.create(record)
            try await store.markFinished(id: record.id, status: .completed, result: nil, error: nil, at: old)
            oldIds.append(record.id)
        }
        let recent = task()
        _ = try await store.create(recent)
        try await store.markFinished(id: recent.id, status: .failed, result: nil, error: "e", at: Date())
        let pending = task()
        _ = try await store.create(pending)

        var config = WorkerConfig()
        config.taskRetention = 7 * 86_400
        let cleanup = StoreCleanup(store: store, config: config, batchSize: 3, logger: TestWorker.quietLogger)
        #expect(await cleanup.runOnce() == 7)
        for id in oldIds { #expect(try await store.get(id: id) == nil) }
        #expect(try await store.get(id: recent.id) != nil)
        #expect(try await store.get(id: pending.id) != nil)
        #expect(await cleanup.runOnce() == 0)
    }

    /// The operators' actions: a finished task requeued (its outcome cleared, attempts reset) or
    /// removed, never an unfinished one; the bulk filter on finish time; counts per task type.
    @Test(arguments: backends)
    func requeuesRemovesAndCountsFinishedTasks(_ backend: StoreBackend) async throws {
        let store = try await backend.makeStore()
        let type = "actions-\(UUID().uuidString.prefix(8))"
        let old = Date().addingTimeInterval(-3600)
        let failed = task(type)
        _ = try await store.create(failed)
        try await store.markProcessing(failed, attempt: 2, workerId: "w1", at: old)
        try await store.markFinished(id: failed.id, status: .failed, result: ["partial": true], error: "boom", at: old)
        let done = task(type)
        _ = try await store.create(done)
        try await store.markFinished(id: done.id, status: .completed, result: ["ok": true], error: nil, at: Date())
        let pending = task(type)
        _ = try await store.create(pending)

        let byType = try await store.countsByType()[type]
        #expect(byType == [.failed: 1, .completed: 1, .pending: 1])
        let before = try await store.list(TaskQuery(taskType: type, finishedBefore: Date().addingTimeInterval(-60)))
        #expect(before.tasks.map(\.id) == [failed.id] && before.total == 1)

        #expect(try await store.markRequeued(id: failed.id))
        let requeued = try #require(try await store.get(id: failed.id))
        #expect(requeued.status == .pending && requeued.attempts == 0 && requeued.result == nil && requeued.error == nil)
        #expect(requeued.startedAt == nil && requeued.finishedAt == nil && requeued.workerId == nil && requeued.progress == 0)
        #expect(try await !store.markRequeued(id: failed.id))
        #expect(try await !store.markRequeued(id: pending.id))
        #expect(try await !store.markRequeued(id: "missing"))

        #expect(try await !store.deleteFinished(id: pending.id))
        #expect(try await store.deleteFinished(id: done.id))
        #expect(try await store.get(id: done.id) == nil)
        #expect(try await !store.deleteFinished(id: done.id))
        #expect(try await store.countsByType()[type] == [.pending: 2])
    }

    /// A task's log lines: numbered in order across appends, the newest `maxPerTask` kept, text
    /// as given (quotes, backslashes, braces), removed with the task.
    @Test(arguments: backends)
    func keepsTheNewestLogLinesAndRemovesThemWithTheTask(_ backend: StoreBackend) async throws {
        let store = try await backend.makeStore()
        let record = task()
        _ = try await store.create(record)
        let at = Date()
        try await store.appendLogs(id: record.id, [TaskLogLine(at: at, level: "info", message: #"a "quoted" \ {brace}, comma"#)])
        for batch in 0..<3 {
            try await store.appendLogs(id: record.id, (0..<400).map { TaskLogLine(at: at, level: "debug", message: "b\(batch) \($0)") })
        }
        let (lines, total) = try await store.logs(id: record.id, limit: 5, offset: 0)
        #expect(total == TaskLogLine.maxPerTask)
        #expect(lines.map(\.message) == ["b0 200", "b0 201", "b0 202", "b0 203", "b0 204"])
        #expect(try await store.logs(id: record.id, limit: 1, offset: 999).lines.map(\.message) == ["b2 399"])
        let other = task()
        try await store.appendLogs(id: other.id, [TaskLogLine(at: at, level: "info", message: #"a "quoted" \ {brace}, comma\#u{0}"#)])
        let kept = try await store.logs(id: other.id, limit: 10, offset: 0).lines
        #expect(kept.map(\.message) == [#"a "quoted" \ {brace}, comma"#] && abs(kept[0].at.timeIntervalSince(at)) < 0.001)

        try await store.markFinished(id: record.id, status: .completed, result: nil, error: nil, at: Date())
        #expect(try await store.deleteFinished(id: record.id))
        #expect(try await store.logs(id: record.id, limit: 10, offset: 0).total == 0)
    }

    @Test(arguments: backends)
    func conversationsAndOrderedMessages(_ backend: StoreBackend) async throws {
        let store = try await backend.makeStore()
        let conversation = try await store.createConversation(Conversation(title: "support", metadata: ["user": "u-1"]))
        let read = try #require(try await store.conversation(id: conversation.id))
        #expect(read.title == "support" && read.metadata == ["user": "u-1"])
        #expect(try await store.conversation(id: "nope") == nil)

        for index in 1...6 {
            let message = try await store.appendMessage(NewMessage(conversationId: conversation.id, role: index % 2 == 1 ? "user" : "assistant",
                                                                   content: "m\(index)", metadata: ["i": .number(Double(index))]))
            #expect(message.seq == index)
        }
        let last3 = try await store.messages(conversationId: conversation.id, limit: 3)
        #expect(last3.map(\.content) == ["m4", "m5", "m6"])
        #expect(last3.map(\.seq) == [4, 5, 6])
        #expect(last3.last?.metadata == ["i": 6])
        let all = try await store.messages(conversationId: conversation.id, limit: 100)
        #expect(all.map(\.role) == ["user", "assistant", "user", "assistant", "user", "assistant"])
        await #expect(throws: ConversationNotFound.self) {
            _ = try await store.appendMessage(NewMessage(conversationId: "nope", role: "user", content: "x"))
        }
        await #expect(throws: ConversationNotFound.self) { _ = try await store.messages(conversationId: "nope", limit: 5) }
    }

    @Test(arguments: backends)
    func concurrentAppendsGetDistinctSequenceNumbers(_ backend: StoreBackend) async throws {
        let store = try await backend.makeStore()
        let conversation = try await store.createConversation(Conversation())
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<20 {
                group.addTask {
                    _ = try await store.appendMessage(NewMessage(conversationId: conversation.id, role: "user", content: "c\(index)"))
                }
            }
            try await group.waitForAll()
        }
        let messages = try await store.messages(conversationId: conversation.id, limit: 100)
        #expect(messages.map(\.seq) == Array(1...20))
        #expect(Set(messages.map(\.content)).count == 20)
    }

    /// Every string the store accepts goes in as a bound parameter: hostile text is stored and read
    /// back byte for byte, and nothing else changes.
    @Test(arguments: backends)
    func injectionAttemptsAreStoredVerbatim(_ backend: StoreBackend) async throws {
        let store = try await backend.makeStore()
        let hostile = [
            "'); DROP TABLE tasks; --", "\" OR \"1\"=\"1", "x'; DELETE FROM messages WHERE '1'='1", "$1 $2 ::jsonb \\ %s %% ?",
            "Robert'); DROP TABLE conversations;--", "é漢字🙂 \u{7} tab\tnewline\n", "' UNION SELECT * FROM tasks --",
        ]
        for text in hostile {
            var options = JobOptions()
            options.idempotencyKey = text
            let record = TaskRecord(id: "id-" + text, queue: text, taskType: text, parameters: ["p": .string(text), text: 1], options: options)
            _ = try await store.create(record)
            try await store.markProcessing(record, attempt: 1, workerId: text, at: Date())
            try await store.markFinished(id: record.id, status: .failed, result: [text: .string(text)], error: text, at: Date())
            let read = try #require(try await store.get(id: record.id))
            #expect(read.queue == text && read.taskType == text && read.error == text && read.workerId == text)
            #expect(read.parameters == ["p": .string(text), text: 1])
            #expect(read.result == [text: .string(text)])
            #expect(read.options.idempotencyKey == text)
            #expect(try await store.list(TaskQuery(taskType: text)).total == 1)

            let conversation = try await store.createConversation(Conversation(id: "c-" + text, title: text, metadata: ["m": .string(text)]))
            let message = try await store.appendMessage(NewMessage(conversationId: conversation.id, role: "user", content: text, metadata: [text: true]))
            let back = try await store.messages(conversationId: conversation.id, limit: 10)
            // Times round-trip to the store's precision (microseconds); the rest exactly.
            #expect(back.count == 1)
            #expect(back.first?.id == message.id && back.first?.role == "user" && back.first?.seq == 1)
            #expect(back.first?.content == text)
            #expect(back.first?.conversationId == "c-" + text)
            #expect(back.first?.metadata == [text: true])
            #expect(abs((back.first?.createdAt ?? .distantPast).timeIntervalSince(message.createdAt)) < 0.001)
            #expect(try await store.conversation(id: conversation.id)?.title == text)
        }
        #expect(try await store.list(TaskQuery()).total == hostile.count)
    }
}
