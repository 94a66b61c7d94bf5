import Synchronization

/// Hands out sandbox slots, lowest free first: slot n runs as uid `uid_base + n`, so concurrent
/// scripts never share a uid (and RLIMIT_NPROC counts each one's processes alone).
final class SlotPool: Sendable {
    /// Slots 0..<limit; the sandbox library's own probe uses 999.
    static let limit = 999
    private let busy = Mutex([Bool](repeating: false, count: SlotPool.limit))

    func acquire() -> Int? {
        busy.withLock { busy in
            guard let slot = busy.firstIndex(of: false) else { return nil }
            busy[slot] = true
            return slot
        }
    }

    func release(_ slot: Int) {
        busy.withLock { $0[slot] = false }
    }
}
