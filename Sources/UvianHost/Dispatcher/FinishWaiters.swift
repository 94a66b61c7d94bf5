import Synchronization

/// Callers waiting for tasks to end (`?wait=`, a cancel waiting for its job to stop), resumed
/// inline by the task's terminal event or at their deadline.
///
/// Each wait used to be an event-bus stream plus a task group racing it against a sleeping task:
/// three tasks, a timer armed and cancelled, and a stream per request. Here a wait is one entry
/// in a table: the terminal event resumes it where it is published, and one sweeper task (alive
/// only while someone waits) ends the waits whose deadline passed, checking every 20 ms.
package final class FinishWaiters: Sendable {
    /// A registered interest in one task's end; `wait` it once.
    package struct Ticket: Sendable {
        fileprivate let number: UInt64
        package let taskId: String
    }

    private enum Entry {
        /// Registered, not waited on yet, nothing arrived.
        case registered
        /// The event came before the wait did.
        case arrived(TaskEvent)
        case waiting(CheckedContinuation<TaskEvent?, Never>, deadline: ContinuousClock.Instant)
    }

    private struct State {
        var entries: [UInt64: Entry] = [:]
        var byTask: [String: [UInt64]] = [:]
        var next: UInt64 = 0
        var sweeping = false
    }

    private let state = Mutex(State())

    package init() {}
    static let sweepInterval = Duration.milliseconds(20)

    /// Starts listening for the end of task `id`; call before anything can end it, so the event
    /// is not missed.
    package func register(_ id: String) -> Ticket {
        state.withLock { state in
            state.next += 1
            state.entries[state.next] = .registered
            state.byTask[id, default: []].append(state.next)
            return Ticket(number: state.next, taskId: id)
        }
    }

    /// The task's terminal event, or nil when `timeout` seconds pass first or the caller is
    /// cancelled. Ends the ticket.
    package func wait(_ ticket: Ticket, timeout: Double) async -> TaskEvent? {
        let deadline = ContinuousClock.now + .seconds(max(timeout, 0))
        let event = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<TaskEvent?, Never>) in
                let (ready, startSweeper) = state.withLock { state -> (TaskEvent??, Bool) in
                    switch state.entries[ticket.number] {
                    case .arrived(let event):
                        return (.some(event), false)
                    case .registered where timeout > 0:
                        state.entries[ticket.number] = .waiting(continuation, deadline: deadline)
                        defer { state.sweeping = true }
                        return (nil, !state.sweeping)
                    default:
                        // No time to wait, or cancelled before waiting.
                        return (.some(nil), false)
                    }
                }
                if let ready { continuation.resume(returning: ready) }
                if startSweeper { Task { await self.sweep() } }
            }
        } onCancel: {
            self.cancel(ticket.number)
        }
        forget(ticket)
        return event
    }

    /// How many callers wait right now (for tests that must start a wait before an event).
    package var waitingCount: Int {
        state.withLock { state in state.entries.values.filter { if case .waiting = $0 { true } else { false } }.count }
    }

    /// Ends a ticket that will not be waited on.
    func forget(_ ticket: Ticket) {
        state.withLock { state in
            state.entries[ticket.number] = nil
            state.byTask[ticket.taskId]?.removeAll { $0 == ticket.number }
            if state.byTask[ticket.taskId]?.isEmpty == true { state.byTask[ticket.taskId] = nil }
        }
    }

    /// Hands a terminal event to whoever waits for its task. Called inline where it is published:
    /// only a lock and resumes.
    package func deliver(_ event: TaskEvent) {
        let resumed = state.withLock { state -> [CheckedContinuation<TaskEvent?, Never>] in
            guard let numbers = state.byTask[event.taskId] else { return [] }
            var resumed: [CheckedContinuation<TaskEvent?, Never>] = []
            for number in numbers {
                switch state.entries[number] {
                case .registered:
                    state.entries[number] = .arrived(event)
                case .waiting(let continuation, _):
                    state.entries[number] = .arrived(event)
                    resumed.append(continuation)
                default:
                    break
                }
            }
            return resumed
        }
        for continuation in resumed { continuation.resume(returning: event) }
    }

    /// Ends a ticket whose caller was cancelled: a wait in progress returns nil, one not begun
    /// yet returns nil at once.
    private func cancel(_ number: UInt64) {
        let continuation = state.withLock { state -> CheckedContinuation<TaskEvent?, Never>? in
            switch state.entries[number] {
            case .waiting(let continuation, _):
                state.entries[number] = nil
                return continuation
            case .registered:
                state.entries[number] = nil
                return nil
            default:
                return nil
            }
        }
        continuation?.resume(returning: nil)
    }

    /// Ends the waits whose deadline passed, every `sweepInterval`, until nobody waits.
    private func sweep() async {
        while true {
            try? await Task.sleep(for: Self.sweepInterval)
            let now = ContinuousClock.now
            let (expired, more) = state.withLock { state -> ([CheckedContinuation<TaskEvent?, Never>], Bool) in
                var expired: [CheckedContinuation<TaskEvent?, Never>] = []
                var waiting = false
                for (number, entry) in state.entries {
                    guard case .waiting(let continuation, let deadline) = entry else { continue }
                    if deadline <= now {
                        state.entries[number] = nil
                        expired.append(continuation)
                    } else {
                        waiting = true
                    }
                }
                if !waiting { state.sweeping = false }
                return (expired, waiting)
            }
            for continuation in expired { continuation.resume(returning: nil) }
            if !more { return }
        }
    }
}
