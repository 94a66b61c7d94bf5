import Synchronization

/// A counting limit that async code waits on, first come first served: how a plugin's or task
/// type's `max_concurrency` holds back jobs a queue handed out anyway (Redis cannot skip them).
final class AsyncLimiter: Sendable {
    private struct State {
        var available: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
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

    func acquire() async {
        await withCheckedContinuation { continuation in
            let granted = state.withLock { state -> Bool in
                if state.available > 0 && state.waiters.isEmpty {
                    state.available -= 1
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if granted { continuation.resume() }
        }
    }

    func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.available += 1
                return nil
            }
            // Hand the slot straight to the next waiter.
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}
