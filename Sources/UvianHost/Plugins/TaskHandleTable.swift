import Synchronization

/// Maps the `uvw_task*` handles plugins hold to live tasks.
///
/// A handle is a slot number plus a generation, not a pointer to host memory, so a plugin that
/// uses a handle after `complete` (a late progress call, a second `complete`) reaches nothing:
/// the lookup fails and the call is dropped instead of touching freed memory.
package final class TaskHandleTable: Sendable {
    package static let shared = TaskHandleTable()

    private struct Slots {
        var tasks: [RunningTask?] = []
        var generations: [UInt32] = []
        var free: [Int] = []
    }
    private let slots = Mutex(Slots())

    package func register(_ task: RunningTask) -> OpaquePointer {
        slots.withLock { slots in
            let index: Int
            if let reused = slots.free.popLast() {
                index = reused
                slots.tasks[index] = task
            } else {
                index = slots.tasks.count
                slots.tasks.append(task)
                slots.generations.append(0)
            }
            slots.generations[index] &+= 1
            // Slot + 1 keeps the handle non-null; the generation makes stale handles miss.
            let bits = (UInt(index + 1) << 32) | UInt(slots.generations[index])
            return OpaquePointer(bitPattern: bits)!
        }
    }

    package func lookup(_ handle: OpaquePointer?) -> RunningTask? {
        guard let (index, generation) = Self.decode(handle) else { return nil }
        return slots.withLock { slots in
            guard index < slots.tasks.count, slots.generations[index] == generation else { return nil }
            return slots.tasks[index]
        }
    }

    /// Drops the handle; later lookups of it fail.
    package func remove(_ handle: OpaquePointer?) {
        guard let (index, generation) = Self.decode(handle) else { return }
        slots.withLock { slots in
            guard index < slots.tasks.count, slots.generations[index] == generation, slots.tasks[index] != nil else { return }
            slots.tasks[index] = nil
            slots.generations[index] &+= 1
            slots.free.append(index)
        }
    }

    private static func decode(_ handle: OpaquePointer?) -> (Int, UInt32)? {
        guard let handle else { return nil }
        let bits = UInt(bitPattern: handle)
        let slot = Int(bits >> 32)
        guard slot > 0 else { return nil }
        return (slot - 1, UInt32(truncatingIfNeeded: bits))
    }
}
