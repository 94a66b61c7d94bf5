import Synchronization

/// Hands out sandbox slots, lowest free first: slot n runs as uid `uid_base + n`, so concurrent
/// runs never share a uid (and RLIMIT_NPROC counts each one's processes alone). Across worker
/// processes the slot locks decide; a slot found taken there is skipped (see `Sandbox.runInFreeSlot`).
public final class SlotPool: Sendable {
    /// Slots 0..<limit; the sandbox library's own probe uses 990...999.
    public static let limit = 990
    private let busy = Mutex([Bool](repeating: false, count: SlotPool.limit))

    public init() {}

    /// The lowest free slot not in `skipping` (slots another worker on this machine holds).
    public func acquire(skipping: Set<Int> = []) -> Int? {
        busy.withLock { busy in
            guard let slot = busy.indices.first(where: { !busy[$0] && !skipping.contains($0) }) else { return nil }
            busy[slot] = true
            return slot
        }
    }

    public func release(_ slot: Int) {
        busy.withLock { $0[slot] = false }
    }
}

extension Sandbox {
    /// Runs `spec` in the lowest slot of `pool` that is free here and not held by another worker
    /// on this machine. Throws `.noFreeSlot` when every slot is taken.
    public func runInFreeSlot(_ spec: SandboxSpec, pool: SlotPool, cancelled: () -> Bool,
                              onMessage: ([UInt8]) -> Void = { _ in }) throws(SandboxError) -> SandboxResult {
        var spec = spec
        var takenElsewhere: Set<Int> = []
        while true {
            guard let slot = pool.acquire(skipping: takenElsewhere) else { throw .noFreeSlot }
            defer { pool.release(slot) }
            spec.slot = slot
            do {
                return try run(spec, cancelled: cancelled, onMessage: onMessage)
            } catch .slotBusy {
                takenElsewhere.insert(slot)
            }
        }
    }
}
