import Foundation
import Logging
import Synchronization

/// How a plugin call ended, as the dispatcher sees it.
public struct PluginOutcome: Sendable, Equatable {
    public enum Status: Sendable, Equatable {
        case ok, invalidParams, cancelled, timeout, retryable, permanent, `internal`, unsupported

        init(abi code: Int32) {
            switch code {
            case 0: self = .ok
            case 100: self = .invalidParams
            case 101: self = .cancelled
            case 102: self = .timeout
            case 103: self = .retryable
            case 104: self = .permanent
            case 106: self = .unsupported
            default: self = .internal
            }
        }

        /// The ABI's status code for this outcome.
        var abiCode: Int32 {
            switch self {
            case .ok: 0
            case .invalidParams: 100
            case .cancelled: 101
            case .timeout: 102
            case .retryable: 103
            case .permanent: 104
            case .internal: 105
            case .unsupported: 106
            }
        }

        /// Whether another attempt may succeed (the header's retry policy).
        public var isRetryable: Bool { self == .retryable || self == .timeout || self == .internal }
    }

    public var status: Status
    /// The result JSON text when `status == .ok`.
    public var resultJSON: String?
    public var error: String?

    public static func failure(_ status: Status, _ error: String) -> PluginOutcome {
        PluginOutcome(status: status, resultJSON: nil, error: error)
    }
}

/// Where a running task's progress, events and host-service calls go. The dispatcher provides it.
public protocol TaskSink: Sendable {
    func progress(_ fraction: Double, noteJSON: String?)
    func emit(event: String, payloadJSON: String)
    func invoke(method: String, requestJSON: String) -> (status: Int32, responseJSON: String)
    /// A log line the plugin wrote for this task (already in the worker's log).
    func log(level: Logger.Level, _ message: String)
}

/// One task while a plugin runs it: the state behind a `uvw_task*` handle.
///
/// `complete` may come from any plugin thread, after a timeout, or twice from a buggy plugin;
/// the first outcome wins and later ones are logged and dropped.
public final class RunningTask: Sendable {
    public let id: String
    public let taskType: String
    public let deadline: Date?
    public let logger: Logger
    let sink: any TaskSink
    private let cancelled = Atomic<Bool>(false)
    private let state = Mutex<State>(.running(nil))

    private enum State {
        case running(Waiter?)
        case finished(PluginOutcome)
        case delivered
    }

    /// Who gets the outcome: an awaiting caller, or a callback run on the completing thread.
    private enum Waiter {
        case continuation(CheckedContinuation<PluginOutcome, Never>)
        case callback(@Sendable (PluginOutcome) -> Void)

        func deliver(_ outcome: PluginOutcome) {
            switch self {
            case .continuation(let continuation): continuation.resume(returning: outcome)
            case .callback(let body): body(outcome)
            }
        }
    }

    public init(id: String, taskType: String, deadline: Date?, logger: Logger, sink: any TaskSink) {
        self.id = id
        self.taskType = taskType
        self.deadline = deadline
        self.logger = logger
        self.sink = sink
    }

    public var isCancelled: Bool { cancelled.load(ordering: .relaxed) || (deadline.map { Date() >= $0 } ?? false) }

    /// A log line the plugin wrote for this task: into the worker's log with the task's metadata,
    /// and to the sink (the job's own log).
    func pluginLog(level: Logger.Level, _ text: String) {
        logger.log(level: level, "plugin.log", metadata: ["plugin.message": .string(text)])
        sink.log(level: level, text)
    }

    /// Marks the task cancelled: `is_cancelled` answers true from now on.
    public func requestCancel() { cancelled.store(true, ordering: .relaxed) }

    /// Records the outcome once. Returns false when the task had already finished.
    @discardableResult
    public func finish(_ outcome: PluginOutcome) -> Bool {
        let waiter: Waiter?? = state.withLock { state in
            switch state {
            case .running(let waiter):
                if let waiter {
                    state = .delivered
                    return .some(waiter)
                }
                state = .finished(outcome)
                return .some(nil)
            case .finished, .delivered:
                return nil
            }
        }
        guard let waiter else { return false }
        waiter?.deliver(outcome)
        return true
    }

    public var isFinished: Bool {
        state.withLock { if case .running = $0 { false } else { true } }
    }

    /// Waits for the outcome.
    public func outcome() async -> PluginOutcome {
        await withCheckedContinuation { continuation in
            wait(.continuation(continuation))
        }
    }

    /// Calls `body` with the outcome, on the thread that completes the task (or at once if it
    /// has). For callers that must not depend on Swift's cooperative pool, like a plugin-runner
    /// child whose thread limit a plugin may have exhausted.
    func onOutcome(_ body: @escaping @Sendable (PluginOutcome) -> Void) {
        wait(.callback(body))
    }

    private func wait(_ waiter: Waiter) {
        let ready: PluginOutcome? = state.withLock { state in
            switch state {
            case .running:
                state = .running(waiter)
                return nil
            case .finished(let outcome):
                state = .delivered
                return outcome
            case .delivered:
                preconditionFailure("the outcome of a task was awaited twice")
            }
        }
        if let ready { waiter.deliver(ready) }
    }
}
