import Synchronization

/// Hands out sandbox slots, lowest free first: slot n runs as uid `uid_base + n`, so concurrent
/// scripts never share a uid (and RLIMIT_NPROC counts each one's processes alone). Across worker
/// processes the sandbox library's slot locks decide; a slot it finds taken is skipped.
final class SlotPool: Sendable {
    /// Slots 0..<limit; the sandbox library's own probe uses 999.
    static let limit = 999
    private let busy = Mutex([Bool](repeating: false, count: SlotPool.limit))

    /// The lowest free slot not in `skipping` (slots another worker on this machine holds).
    func acquire(skipping: Set<Int> = []) -> Int? {
        busy.withLock { busy in
            guard let slot = busy.indices.first(where: { !busy[$0] && !skipping.contains($0) }) else { return nil }
            busy[slot] = true
            return slot
        }
    }

    func release(_ slot: Int) {
        busy.withLock { $0[slot] = false }
    }
}
