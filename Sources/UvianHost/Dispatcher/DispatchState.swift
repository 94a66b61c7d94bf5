import Synchronization

/// What the dispatcher's parts share: the book of slots, leases and runs (one lock), the doorbell
/// that wakes the fetch loop, the inbox of work for the consumer's task group, and the limiters.
final class DispatchState: Sendable {
    let book: Mutex<DispatchBook<ActiveJob>>
    let doorbell = Doorbell()
    let inbox = TaskInbox()
    let limiters = LimiterTable()

    init(capacity: Int) {
        book = Mutex(DispatchBook(capacity: capacity))
    }

    var isStopping: Bool { book.withLock { $0.stopping } }

    /// Told to drain (`worker.drain`): takes no new jobs, finishes the running ones, keeps serving.
    private let drainingFlag = Atomic<Bool>(false)
    var isDraining: Bool { drainingFlag.load(ordering: .relaxed) }
    func setDraining(_ draining: Bool) {
        drainingFlag.store(draining, ordering: .relaxed)
        doorbell.ring()
    }

    /// Gives slots back; `wake` lets the fetch loop use them at once (not wanted when the fetch
    /// loop itself found nothing to do and is about to sleep).
    func releaseSlots(_ count: Int, wake: Bool = true) {
        guard count > 0 else { return }
        book.withLock { $0.releaseSlots(count) }
        if wake { doorbell.ring() }
    }
}
