import Synchronization

/// A job this worker is running: the leased job, where it runs, and why it may end early.
final class ActiveJob: Sendable {
    enum Interruption: Sendable {
        /// `leaseLost`: another run holds the job now; this one's outcome is dropped.
        case none, cancelled, timedOut, released, leaseLost
    }

    let job: LeasedJob
    let route: PluginRegistry.Route
    let task: RunningTask
    let handle: TaskHandle
    private let interruption = Mutex(Interruption.none)
    private let abandoned = Mutex<String?>(nil)

    init(job: LeasedJob, route: PluginRegistry.Route, task: RunningTask, handle: TaskHandle) {
        self.job = job
        self.route = route
        self.task = task
        self.handle = handle
    }

    /// Why the job was given up on after its grace period, and what was done about it.
    var abandonment: String? { abandoned.withLock { $0 } }

    func markAbandoned(_ reason: String?) { abandoned.withLock { $0 = reason } }

    /// Why the job was interrupted; the first reason wins.
    var reason: Interruption { interruption.withLock { $0 } }

    /// Records the reason and asks the plugin to stop. Returns false if it was already interrupted.
    @discardableResult
    func interrupt(_ reason: Interruption) -> Bool {
        let first = interruption.withLock { current in
            guard case .none = current else { return false }
            current = reason
            return true
        }
        guard first else { return false }
        task.requestCancel()
        return true
    }
}

/// The `uvw_task*` a plugin gets: an opaque token (slot + generation) that is never dereferenced,
/// which is why sharing it across threads is safe.
package struct TaskHandle: @unchecked Sendable {
    package let pointer: OpaquePointer

    package init(pointer: OpaquePointer) {
        self.pointer = pointer
    }
}
