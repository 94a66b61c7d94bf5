import Synchronization

/// Wakes the fetch loop: rung when a job is added in this process or a concurrency slot frees up;
/// the loop also wakes by itself at a deadline (the next delayed job, or the poll interval that
/// picks up jobs added by other processes).
final class Doorbell: Sendable {
    private struct State {
        var rung = false
        var waiter: CheckedContinuation<Void, Never>?
    }
    private let state = Mutex(State())

    func ring() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.rung = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns when rung (or if it was rung since the last wait) or after `timeout`.
    func wait(timeout: Duration) async {
        // Cancellation rings the bell, so a cancelled waiter returns instead of hanging.
        await withTaskCancellationHandler {
            await waitUntilRung(timeout: timeout)
        } onCancel: {
            ring()
        }
    }

    private func waitUntilRung(timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                // A cancelled sleep (the bell rang first) must not leave a stale ring behind.
                do {
                    try await Task.sleep(for: timeout)
                    self.ring()
                } catch {}
            }
            group.addTask {
                await withCheckedContinuation { continuation in
                    let ready = self.state.withLock { state -> Bool in
                        if state.rung {
                            state.rung = false
                            return true
                        }
                        state.waiter = continuation
                        return false
                    }
                    if ready { continuation.resume() }
                }
            }
            await group.next()
            group.cancelAll()
        }
    }
}
