/// Per-host politeness shared by every thread using one `Fetcher`: at most `limit` transfers to a host
/// at once, and starts to one host at least `delay` apart. A counting wait on a condition lock.
final class HostGate: Sendable {
    private struct HostState {
        var active = 0
        var lastStart: ContinuousClock.Instant?
    }

    private let lock = ConditionLock()
    nonisolated(unsafe) private var hosts: [String: HostState] = [:]  // guarded by `lock`
    let limit: Int
    let delay: Duration

    init(limit: Int, delay: Duration) {
        self.limit = max(1, limit)
        self.delay = max(.zero, delay)
    }

    /// Blocks until `host` has a free slot and its delay has passed; throws timeout when `deadline`
    /// passes first, cancelled when `shouldStop` says so. Pair each successful `enter` with `leave`.
    func enter(_ host: String, deadline: Deadline, shouldStop: @Sendable () -> Bool) throws(FetchError) {
        try lock.withLock { () throws(FetchError) in
            while true {
                if shouldStop() { throw FetchError(.cancelled, "stopped by the caller") }
                let remaining = deadline.remaining
                if remaining <= .zero { throw FetchError(.timeout, "waited \(deadline.budget.milliseconds) ms for a free slot to \(host)") }
                var state = hosts[host, default: HostState()]
                let now = ContinuousClock.now
                let readyAt = state.lastStart.map { $0.advanced(by: delay) } ?? now
                if state.active < limit && readyAt <= now {
                    state.active += 1
                    state.lastStart = now
                    hosts[host] = state
                    return
                }
                // Woken by a `leave`, or after a short slice to re-check the delay, the deadline and the stop flag.
                let wait = state.active < limit ? now.duration(to: readyAt) : .milliseconds(50)
                lock.wait(timeout: min(wait, remaining, .milliseconds(50)))
            }
        }
    }

    func leave(_ host: String) {
        lock.withLock {
            if var state = hosts[host] {
                state.active -= 1
                // Forget idle hosts without a delay to honour, so the table does not grow without bound.
                if state.active == 0 && (delay == .zero || (state.lastStart.map { $0.advanced(by: delay) <= .now } ?? true)) {
                    hosts[host] = nil
                } else {
                    hosts[host] = state
                }
            }
            lock.broadcast()
        }
    }
}
