import Foundation
import Testing
import UvianHost

/// When the embedded store's search index takes the tasks written meanwhile, and that what waits
/// is counted and found: a search catches the index up first.
@Suite struct SearchIndexingTests {
    typealias Policy = SearchIndexing.Policy

    /// The policy's answers to one look a second at each backlog in turn.
    func answers(_ backlogs: [Int], policy: inout Policy) -> [Bool] {
        backlogs.map { policy.due(backlog: $0, elapsed: .seconds(1)) }
    }

    @Test func aGrowingBacklogWaitsUntilWritesPause() {
        var policy = Policy()
        // No task written in the last second (4,000 again): the writes paused.
        #expect(answers([0, 300, 4_000, 4_000], policy: &policy) == [false, false, false, true])
        policy.indexed()
        #expect(answers([0, 10], policy: &policy) == [false, false])
    }

    @Test func aBacklogAtTheLimitIsIndexedWhileWritesGoOn() {
        var policy = Policy()
        #expect(answers([3_000, 6_000, 9_000, 12_000], policy: &policy) == [false, false, false, true])
        policy.indexed()
        #expect(answers([3_000, 6_000], policy: &policy) == [false, false])
        #expect(SearchIndexing.backlogLimit == 10_000)
    }

    @Test func aTrickleIsIndexedAfterTheLongestWait() {
        var policy = Policy()
        let seconds = Int(SearchIndexing.maximumWait.components.seconds)
        let trickle = answers(Array(1...seconds), policy: &policy)
        #expect(trickle == Array(repeating: false, count: seconds - 1) + [true])
        policy.indexed()
        #expect(answers([1], policy: &policy) == [false])
    }

    @Test func theEmbeddedStoreCountsWhatWaitsAndSearchesFindIt() async throws {
        let store = try await StoreBackend.sqlite.makeStore()
        #expect(try await store.searchBacklog() == 0)
        var ids: [String] = []
        for n in 0..<7 {
            let record = TaskRecord(id: "s-\(n)", queue: "tasks", taskType: "echo", parameters: ["city": n % 2 == 0 ? "Lisbon" : "Porto"],
                                    options: JobOptions())
            _ = try await store.create(record)
            ids.append(record.id)
        }
        #expect(try await store.searchBacklog() == 7)
        try await store.indexForSearch()
        #expect(try await store.searchBacklog() == 0)
        // A finish changes the indexed text: the task waits again, and is found by its result.
        try await store.markFinished(id: "s-1", status: .completed, result: ["weather": "sunny"], error: nil, at: Date())
        #expect(try await store.searchBacklog() == 1)
        var query = TaskQuery()
        query.search = TaskSearch("sunny porto")
        #expect(try await store.list(query).tasks.map(\.id) == ["s-1"])
        #expect(try await store.searchBacklog() == 0)
        query.search = TaskSearch("lisb")
        #expect(try await store.list(query).tasks.map(\.id).sorted() == ["s-0", "s-2", "s-4", "s-6"])
    }
}
