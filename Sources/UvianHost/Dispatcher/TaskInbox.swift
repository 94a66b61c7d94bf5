/// Work started from outside the consumer's task group — a job leased by a submit, the grace
/// period of an interrupted plugin, unblocking the queue's wait at shutdown — handed to the group,
/// which runs each as its child: the worker starts no unstructured tasks.
final class TaskInbox: Sendable {
    typealias Work = @Sendable () async -> Void
    private let stream: AsyncStream<Work>
    private let continuation: AsyncStream<Work>.Continuation

    init() {
        (stream, continuation) = AsyncStream.makeStream(of: Work.self)
    }

    /// Runs `work` in the consumer's group; false (and dropped) once the consumer has stopped.
    @discardableResult
    func submit(_ work: @escaping Work) -> Bool {
        if case .terminated = continuation.yield(work) { return false }
        return true
    }

    /// Runs every submitted piece of work until `close`, each as a child task; returns when the
    /// last one has ended.
    func runAll() async {
        await withDiscardingTaskGroup { group in
            for await work in stream {
                group.addTask { await work() }
            }
        }
    }

    func close() {
        continuation.finish()
    }
}
