import Synchronization

/// Collects work items from any thread and hands all that are waiting, as one batch, to `flush`
/// on the single thread of `executor`. Items that arrive while a batch runs form the next one.
///
/// This is how the blocking clients amortise their per-call cost under load: the SQLite writes
/// waiting together share one transaction (group commit), and the Redis commands waiting
/// together go out as one pipeline. With one caller at a time a batch is one item, so nothing
/// waits for a batch to fill.
final class BatchQueue<Item: Sendable>: Sendable {
    private struct State {
        var items: [Item] = []
        /// A flush is queued on the thread and will take every item waiting by then.
        var scheduled = false
    }

    private let state = Mutex(State())
    private let executor: BlockingExecutor
    private let flush: @Sendable ([Item]) -> Void

    /// `executor` must have one thread: batches run in order, never two at once.
    init(executor: BlockingExecutor, flush: @escaping @Sendable ([Item]) -> Void) {
        self.executor = executor
        self.flush = flush
    }

    func add(_ item: Item) {
        let schedule = state.withLock { state in
            state.items.append(item)
            defer { state.scheduled = true }
            return !state.scheduled
        }
        if schedule { executor.submit { self.flushWaiting() } }
    }

    private func flushWaiting() {
        let items = state.withLock { state in
            defer {
                state.items = []
                state.scheduled = false
            }
            return state.items
        }
        flush(items)
    }
}
