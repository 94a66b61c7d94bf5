package import Foundation
package import Logging
import PluginAPI
import Synchronization

/// How a plugin call ended, as the dispatcher sees it.
package struct PluginOutcome: Sendable, Equatable {
    package enum Status: Sendable, Equatable {
        case ok, invalidParams, cancelled, timeout, retryable, permanent, `internal`, unsupported

        package init(abi code: Int32) {
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
        package var isRetryable: Bool { self == .retryable || self == .timeout || self == .internal }
    }

    package var status: Status
    /// The result JSON text: the task's result when `status == .ok`, else what the plugin
    /// reported beside its error (nil: nothing).
    package var resultJSON: String?
    package var error: String?

    package static func failure(_ status: Status, _ error: String) -> PluginOutcome {
        PluginOutcome(status: status, resultJSON: nil, error: error)
    }
}

/// Where a running task's progress, events and host-service calls go. The dispatcher provides it.
package protocol TaskSink: Sendable {
    func progress(_ fraction: Double, noteJSON: String?)
    func emit(event: String, payloadJSON: String)
    /// Answers a host-service call later: `done` runs exactly once, on a thread that is not
    /// Swift's cooperative pool (a plugin's callback may run in it).
    func invokeAsync(method: String, requestJSON: String, done: @escaping @Sendable (_ status: Int32, _ responseJSON: String) -> Void)
    /// The same, blocking the calling thread (a plugin's own) until the answer is there.
    func invoke(method: String, requestJSON: String) -> (status: Int32, responseJSON: String)
    /// A log line the plugin wrote for this task (already in the worker's log).
    func log(level: Logger.Level, _ message: String)
}

extension TaskSink {
    package func invoke(method: String, requestJSON: String) -> (status: Int32, responseJSON: String) {
        let answer = BlockingAnswer()
        invokeAsync(method: method, requestJSON: requestJSON) { status, response in answer.resolve(status, response) }
        return answer.wait()
    }
}

/// One answer a thread waits for (a synchronous `invoke`).
final class BlockingAnswer: @unchecked Sendable {
    // `value` is written before `done` is signalled and read after the wait: ordered by the semaphore.
    private var value: (status: Int32, responseJSON: String) = (105, "")
    private let done = DispatchSemaphore(value: 0)

    func resolve(_ status: Int32, _ response: String) {
        value = (status, response)
        done.signal()
    }

    func wait() -> (status: Int32, responseJSON: String) {
        done.wait()
        return value
    }
}

/// What a running task knows about itself: the ABI's task info (1.3).
package struct TaskInfo: Sendable, Equatable {
    package var attempt = 1
    package var maxAttempts = 1
    /// Times the job was recovered after its worker lost it (BullMQ's stalled counter).
    package var stalledCount = 0
    package var queue = ""
    package var conversationId: String?
    /// The parent job's id (BullMQ flows).
    package var parentId: String?
    package var createdAt: Date?
    package var startedAt = Date()

    package init() {}
}

/// CLOCK_MONOTONIC, which is the same clock in every process of the machine (so a deadline can be
/// handed to a plugin-runner child) and does not move when the wall clock is set.
enum MonotonicClock {
    static var nowNanoseconds: Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }
}

/// One task while a plugin runs it: the state behind a `uvw_task*` handle.
///
/// `complete` may come from any plugin thread, after a timeout, or twice from a buggy plugin;
/// the first outcome wins and later ones are logged and dropped.
package final class RunningTask: Sendable {
    package let id: String
    package let taskType: String
    /// The deadline on the wall clock, as the ABI's deadline_ms reports it.
    package let deadline: Date?
    /// The same deadline on CLOCK_MONOTONIC (ns): what decides that it passed.
    package let monotonicDeadline: Int64?
    package let info: TaskInfo
    package let logger: Logger
    let sink: any TaskSink
    private let cancelled = Atomic<Bool>(false)
    private let state = Mutex<State>(.running(nil))
    /// The task info as C strings for the ABI, made on the first task_info call.
    private let infoStrings = Mutex<TaskInfoStrings?>(nil)

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

    /// `monotonicDeadline` is computed from `deadline` unless given (a child gets its worker's).
    package init(id: String, taskType: String, deadline: Date?, monotonicDeadline: Int64? = nil, info: TaskInfo = TaskInfo(),
                logger: Logger, sink: any TaskSink) {
        self.id = id
        self.taskType = taskType
        self.deadline = deadline
        self.monotonicDeadline = monotonicDeadline
            ?? deadline.map { MonotonicClock.nowNanoseconds + Int64(($0.timeIntervalSinceNow * 1e9).rounded()) }
        self.info = info
        self.logger = logger
        self.sink = sink
    }

    package var isCancelled: Bool { cancelled.load(ordering: .relaxed) || isPastDeadline }

    /// The deadline passed (on the monotonic clock).
    package var isPastDeadline: Bool { monotonicDeadline.map { MonotonicClock.nowNanoseconds >= $0 } ?? false }

    /// The ABI's uvw_task_info, whose byte spans stay valid as long as this task.
    func abiInfo() -> uvw_task_info {
        let strings = infoStrings.withLock { strings in
            if let strings { return strings }
            let made = TaskInfoStrings([id, taskType, info.queue, info.conversationId ?? "", info.parentId ?? ""])
            strings = made
            return made
        }
        func milliseconds(_ date: Date?) -> Int64 { date.map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) } ?? 0 }
        return uvw_task_info(
            struct_size: UInt32(MemoryLayout<uvw_task_info>.size),
            attempt: UInt32(clamping: info.attempt), max_attempts: UInt32(clamping: info.maxAttempts),
            stalled_count: UInt32(clamping: info.stalledCount),
            task_id: strings.bytes(0), task_type: strings.bytes(1), queue: strings.bytes(2),
            conversation_id: strings.bytes(3), parent_id: strings.bytes(4),
            created_at_ms: milliseconds(info.createdAt), started_at_ms: milliseconds(info.startedAt),
            deadline_ms: milliseconds(deadline), deadline_mono_ns: monotonicDeadline ?? 0)
    }

    /// A log line the plugin wrote for this task: into the worker's log with the task's metadata,
    /// and to the sink (the job's own log).
    func pluginLog(level: Logger.Level, _ text: String) {
        logger.log(level: level, "plugin.log", metadata: ["plugin.message": .string(text)])
        sink.log(level: level, text)
    }

    /// Marks the task cancelled: `is_cancelled` answers true from now on.
    package func requestCancel() { cancelled.store(true, ordering: .relaxed) }

    /// Records the outcome once. Returns false when the task had already finished.
    @discardableResult
    package func finish(_ outcome: PluginOutcome) -> Bool {
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

    package var isFinished: Bool {
        state.withLock { if case .running = $0 { false } else { true } }
    }

    /// Waits for the outcome.
    package func outcome() async -> PluginOutcome {
        await withCheckedContinuation { continuation in
            wait(.continuation(continuation))
        }
    }

    /// Calls `body` with the outcome, on the thread that completes the task (or at once if it
    /// has). For callers that must not depend on Swift's cooperative pool, like a plugin-runner
    /// child whose thread limit a plugin may have exhausted.
    package func onOutcome(_ body: @escaping @Sendable (PluginOutcome) -> Void) {
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

/// Strings copied once into memory of their own, for byte spans handed to plugins; freed with the task.
final class TaskInfoStrings: @unchecked Sendable {
    // Written once in init, read-only afterwards.
    private let storage: UnsafeMutableRawBufferPointer
    private let ranges: [Range<Int>]

    init(_ strings: [String]) {
        let total = strings.reduce(0) { $0 + $1.utf8.count }
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(total, 1), alignment: 1)
        self.storage = storage
        var ranges: [Range<Int>] = []
        var offset = 0
        for string in strings {
            let bytes = Array(string.utf8)
            bytes.withUnsafeBytes { source in
                if !source.isEmpty { UnsafeMutableRawBufferPointer(rebasing: storage[offset..<offset + source.count]).copyMemory(from: source) }
            }
            ranges.append(offset..<offset + bytes.count)
            offset += bytes.count
        }
        self.ranges = ranges
    }

    deinit { storage.deallocate() }

    func bytes(_ index: Int) -> uvw_bytes {
        let range = ranges[index]
        guard !range.isEmpty else { return uvw_bytes(ptr: nil, len: 0) }
        return uvw_bytes(ptr: UnsafePointer(storage.baseAddress!.advanced(by: range.lowerBound).assumingMemoryBound(to: UInt8.self)), len: range.count)
    }
}
