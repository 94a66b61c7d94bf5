import Synchronization

/// A counting limit that async code waits on, first come first served: how a plugin's or task
/// type's `max_concurrency` holds back jobs a queue handed out anyway (Redis cannot skip them).
final class AsyncLimiter: Sendable {
    private struct State {
        var available: Int
        var waiters: [(id: String, continuation: CheckedContinuation<Bool, Never>)] = []
        /// Jobs withdrawn before they got in line (cancelled between their lease and their wait):
        /// they do not wait when they come. The newest 1,000.
        var withdrawnEarly: [String] = []
    }
    private let state: Mutex<State>

    init(limit: Int) {
        state = Mutex(State(available: limit))
    }

    /// True when a slot is free right now (a hint for queues that can skip full task types).
    var hasCapacity: Bool { state.withLock { $0.available > 0 } }

    /// Takes a slot if one is free now, without waiting.
    func tryAcquire() -> Bool {
        state.withLock { state in
            guard state.available > 0 && state.waiters.isEmpty else { return false }
            state.available -= 1
            return true
        }
    }

    /// Waits for a slot for job `id`: true when it has one, false when `withdraw(id)` took the
    /// job out of the line first (it was cancelled while waiting).
    func acquire(for id: String) async -> Bool {
        await withCheckedContinuation { continuation in
            let answer = state.withLock { state -> Bool? in
                if let early = state.withdrawnEarly.firstIndex(of: id) {
                    state.withdrawnEarly.remove(at: early)
                    return false
                }
                if state.available > 0 && state.waiters.isEmpty {
                    state.available -= 1
                    return true
                }
                state.waiters.append((id, continuation))
                return nil
            }
            if let answer { continuation.resume(returning: answer) }
        }
    }

    /// Takes job `id` out of the line; false when it is not waiting here (then, should it come to
    /// wait later, it is turned away at once).
    @discardableResult
    func withdraw(_ id: String) -> Bool {
        let waiter = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else {
                state.withdrawnEarly.append(id)
                if state.withdrawnEarly.count > 1000 { state.withdrawnEarly.removeFirst() }
                return nil
            }
            return state.waiters.remove(at: index).continuation
        }
        waiter?.resume(returning: false)
        return waiter != nil
    }

    func release() {
        let next = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            if state.waiters.isEmpty {
                state.available += 1
                return nil
            }
            // Hand the slot straight to the next waiter.
            return state.waiters.removeFirst().continuation
        }
        next?.resume(returning: true)
    }
}
