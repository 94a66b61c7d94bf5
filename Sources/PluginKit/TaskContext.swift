public import Foundation
import JSON
import PluginAPI

/// The running task, as the host sees it: cancellation, deadline, progress, events, logs and host
/// services. Every method may be called from any thread until the task completes.
public struct TaskContext: @unchecked Sendable {
    // The host documents both pointers as usable from any thread while the task is live, and
    // PluginKit never uses them after `complete`. That is why the raw pointers are safe to share.
    let host: UnsafePointer<uvw_host_v1>
    let task: OpaquePointer

    init(host: UnsafePointer<uvw_host_v1>, task: OpaquePointer) {
        self.host = host
        self.task = task
    }

    /// True once the task was cancelled or its deadline passed. Poll it in long loops.
    public var isCancelled: Bool { host.pointee.is_cancelled(task) }

    /// Throws `TaskError(.cancelled)` when the task was cancelled or timed out.
    public func checkCancellation() throws {
        if isCancelled { throw TaskError(.cancelled, "cancelled") }
    }

    /// The task's deadline, or nil when it has none.
    public var deadline: Date? {
        let ms = host.pointee.deadline_ms(task)
        return ms == 0 ? nil : Date(timeIntervalSince1970: Double(ms) / 1000)
    }

    /// Reports progress in [0, 1], with an optional JSON object of details.
    public func progress(_ fraction: Double, noteJSON: String? = nil) {
        withBytes(noteJSON ?? "") { note in host.pointee.progress(task, fraction, note) }
    }

    /// Publishes a plugin event (e.g. `chat.token`) with a JSON payload.
    public func emit(_ event: String, payloadJSON: String) {
        withBytes(event) { name in withBytes(payloadJSON) { payload in host.pointee.emit(task, name, payload) } }
    }

    public func log(_ level: LogLevel, _ message: String) {
        withBytes(message) { msg in host.pointee.log(host.pointee.host_ctx, task, level.rawValue, msg) }
    }

    /// Calls a host service (e.g. `store.messages.list`) and returns its JSON response. Blocks the
    /// calling thread until the host answers: for sync handlers. Async handlers use `await
    /// invoke(...)`, which holds no thread while it waits.
    @available(*, noasync, message: "blocks its thread: use `try await invoke(...)` in async code")
    public func invoke(_ method: String, requestJSON: String) throws -> String {
        final class Reply: @unchecked Sendable { var bytes: [UInt8] = [] }
        let reply = Reply()
        let status = withBytes(method) { name in
            withBytes(requestJSON) { request in
                host.pointee.invoke(task, name, request, { user, response in
                    let box = Unmanaged<Reply>.fromOpaque(user!).takeUnretainedValue()
                    box.bytes = Array(UnsafeBufferPointer(start: response.ptr, count: response.len))
                }, Unmanaged.passUnretained(reply).toOpaque())
            }
        }
        return try Self.answer(method, status, reply.bytes)
    }

    /// Calls a host service without holding a thread while the host works on it (the ABI's
    /// `invoke_async`; on a host older than 1.3, the blocking call on a thread of its own).
    public func invoke(_ method: String, requestJSON: String) async throws -> String {
        guard hasHostMember(\.invoke_async), let invokeAsync = host.pointee.invoke_async else {
            return try await withCheckedThrowingContinuation { continuation in
                Thread.detachNewThread { continuation.resume(with: Result { try self.blockingInvoke(method, requestJSON) }) }
            }
        }
        let (status, bytes) = await withCheckedContinuation { (continuation: CheckedContinuation<(uvw_status, [UInt8]), Never>) in
            let box = Unmanaged.passRetained(InvokeContinuation(continuation)).toOpaque()
            withBytes(method) { name in
                withBytes(requestJSON) { request in
                    invokeAsync(task, name, request, { user, status, response in
                        // Called exactly once: the retained box is released here.
                        let box = Unmanaged<InvokeContinuation>.fromOpaque(user!).takeRetainedValue()
                        box.continuation.resume(returning: (status, Array(UnsafeBufferPointer(start: response.ptr, count: response.len))))
                    }, box)
                }
            }
        }
        return try Self.answer(method, status, bytes)
    }

    /// `await invoke` with JSON values.
    public func invoke(_ method: String, request: JSONValue) async throws -> JSONValue {
        try Self.parse(method, try await invoke(method, requestJSON: request.serialized()))
    }

    private func blockingInvoke(_ method: String, _ requestJSON: String) throws -> String {
        try invoke(method, requestJSON: requestJSON)
    }

    /// The response, or the error it says: errors come as {"error": "…"} naming what was wrong.
    private static func answer(_ method: String, _ status: uvw_status, _ bytes: [UInt8]) throws -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        guard status == uvw_status(UVW_OK) else {
            let message = (try? JSONValue.parse(bytes))?["error"]?.stringValue ?? text
            let kind: TaskError.Kind = switch Int(status) {
            case UVW_ERR_UNSUPPORTED: .unsupported
            case UVW_ERR_INVALID_PARAMS: .invalidParams
            case UVW_ERR_RETRYABLE: .retryable
            case UVW_ERR_PERMANENT: .permanent
            default: .internal
            }
            throw TaskError(kind, "\(method) failed: \(message)")
        }
        return text
    }

    private static func parse(_ method: String, _ text: String) throws -> JSONValue {
        do {
            return try JSONValue.parse(text)
        } catch {
            throw TaskError(.internal, "\(method) answered with invalid JSON: \(error)")
        }
    }

    // MARK: - Task info (ABI 1.3)

    /// What the task knows about itself: attempt, queue, timestamps. Nil on a host older than 1.3.
    public var info: TaskInfo? {
        guard hasHostMember(\.task_info), let taskInfo = host.pointee.task_info else { return nil }
        var raw = uvw_task_info()
        raw.struct_size = UInt32(MemoryLayout<uvw_task_info>.size)
        guard taskInfo(task, &raw) == uvw_status(UVW_OK) else { return nil }
        func text(_ bytes: uvw_bytes) -> String {
            bytes.len == 0 ? "" : String(decoding: UnsafeBufferPointer(start: bytes.ptr, count: bytes.len), as: UTF8.self)
        }
        func date(_ ms: Int64) -> Date? { ms == 0 ? nil : Date(timeIntervalSince1970: Double(ms) / 1000) }
        return TaskInfo(
            attempt: Int(raw.attempt), maxAttempts: Int(raw.max_attempts), stalledCount: Int(raw.stalled_count),
            taskId: text(raw.task_id), taskType: text(raw.task_type), queue: text(raw.queue),
            conversationId: raw.conversation_id.len == 0 ? nil : text(raw.conversation_id),
            parentId: raw.parent_id.len == 0 ? nil : text(raw.parent_id),
            createdAt: date(raw.created_at_ms), startedAt: date(raw.started_at_ms))
    }

    /// The deadline on CLOCK_MONOTONIC in nanoseconds, or nil (none, or a host older than 1.3).
    /// Unlike `deadline` it does not move when the wall clock is set.
    public var monotonicDeadlineNanoseconds: Int64? {
        guard hasHostMember(\.deadline_mono_ns), let deadline = host.pointee.deadline_mono_ns else { return nil }
        let value = deadline(task)
        return value == 0 ? nil : value
    }

    /// Seconds until the deadline, by the monotonic clock when the host offers it; nil: no deadline.
    public var secondsLeft: Double? {
        if let deadline = monotonicDeadlineNanoseconds {
            var now = timespec()
            clock_gettime(CLOCK_MONOTONIC, &now)
            return Double(deadline - (Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec))) / 1e9
        }
        return deadline.map { $0.timeIntervalSinceNow }
    }

    /// True when the host's table has `member` (it was appended in a minor the host has).
    private func hasHostMember<T>(_ member: KeyPath<uvw_host_v1, T>) -> Bool {
        guard let offset = MemoryLayout<uvw_host_v1>.offset(of: member) else { return false }
        return Int(host.pointee.struct_size) >= offset + MemoryLayout<T>.size
    }

    /// `invoke` with JSON values: the request written and the response parsed by the JSON library.
    @available(*, noasync, message: "blocks its thread: use `try await invoke(...)` in async code")
    public func invoke(_ method: String, request: JSONValue) throws -> JSONValue {
        try Self.parse(method, try invoke(method, requestJSON: request.serialized()))
    }

    /// Publishes a plugin event with a JSON payload.
    public func emit(_ event: String, payload: JSONValue) {
        emit(event, payloadJSON: payload.serialized())
    }

    /// Reports progress in [0, 1] with a JSON object of details.
    public func progress(_ fraction: Double, note: JSONValue) {
        progress(fraction, noteJSON: note.serialized())
    }

    /// Hands the outcome to the host exactly once and returns the status the ABI expects back.
    func complete(_ outcome: TaskOutcome) -> uvw_status {
        switch outcome {
        case .success(let result):
            let status = uvw_status(UVW_OK)
            withBytes(result) { r in host.pointee.complete(task, status, r, uvw_bytes(ptr: nil, len: 0)) }
            return status
        case .failure(let error):
            let status = error.kind.status
            withBytes(error.resultJSON ?? []) { r in
                withBytes(error.message) { e in host.pointee.complete(task, status, r, e) }
            }
            return status
        }
    }
}

/// The continuation an `invoke_async` answer resumes, passed through the ABI's `user` pointer.
private final class InvokeContinuation: Sendable {
    let continuation: CheckedContinuation<(uvw_status, [UInt8]), Never>
    init(_ continuation: CheckedContinuation<(uvw_status, [UInt8]), Never>) { self.continuation = continuation }
}

/// What a task knows about itself (the ABI's task info, 1.3).
public struct TaskInfo: Sendable, Equatable {
    /// This attempt's number: 1 for the first try.
    public let attempt: Int
    public let maxAttempts: Int
    /// Times the job was recovered after its worker lost it.
    public let stalledCount: Int
    public let taskId: String
    public let taskType: String
    public let queue: String
    public let conversationId: String?
    /// The parent job's id (BullMQ flows).
    public let parentId: String?
    public let createdAt: Date?
    public let startedAt: Date?
}

/// Log levels of the host (the `UVW_LOG_*` values).
public enum LogLevel: Int32, Sendable {
    case trace = 0, debug, info, notice, warning, error, critical
}

@inline(__always)
func withBytes<R>(_ string: String, _ body: (uvw_bytes) -> R) -> R {
    var string = string
    return string.withUTF8 { buffer in body(uvw_bytes(ptr: buffer.baseAddress, len: buffer.count)) }
}

@inline(__always)
func withBytes<R>(_ bytes: [UInt8], _ body: (uvw_bytes) -> R) -> R {
    bytes.withUnsafeBufferPointer { buffer in body(uvw_bytes(ptr: buffer.baseAddress, len: buffer.count)) }
}
