import Foundation
import Logging
import PluginAPI

/// The `uvw_host_v1` table every plugin receives in `init`: C functions that route each call to
/// the task behind the handle.
///
/// There is one table per plugin generation so plugin-wide log lines carry the plugin's name; its
/// memory is never freed, because a plugin image may keep the pointer for as long as it is mapped.
final class HostTable: @unchecked Sendable {
    // Immutable after init; the C side only reads it.
    let pointer: UnsafeMutablePointer<uvw_host_v1>
    private let context: Unmanaged<PluginLogContext>

    init(pluginName: String, logger: Logger) {
        context = Unmanaged.passRetained(PluginLogContext(pluginName: pluginName, logger: logger))
        pointer = .allocate(capacity: 1)
        pointer.initialize(to: uvw_host_v1(
            struct_size: UInt32(MemoryLayout<uvw_host_v1>.size),
            abi_major: UInt16(UVW_ABI_MAJOR),
            abi_minor: UInt16(UVW_ABI_MINOR),
            host_ctx: context.toOpaque(),
            log: hostLog,
            is_cancelled: hostIsCancelled,
            deadline_ms: hostDeadline,
            progress: hostProgress,
            emit: hostEmit,
            invoke: hostInvoke,
            complete: hostComplete,
            task_info: hostTaskInfo,
            invoke_async: hostInvokeAsync,
            deadline_mono_ns: hostDeadlineMonotonic
        ))
    }
}

/// What plugin-wide log lines (those without a task) are attributed to.
final class PluginLogContext: Sendable {
    let pluginName: String
    let logger: Logger
    init(pluginName: String, logger: Logger) {
        self.pluginName = pluginName
        self.logger = logger
    }
}

extension uvw_bytes {
    /// Copies the borrowed bytes into a String (the ABI says inputs are borrowed for the call).
    var string: String {
        guard let ptr, len > 0 else { return "" }
        return String(decoding: UnsafeBufferPointer(start: ptr, count: len), as: UTF8.self)
    }
}

func withBorrowedBytes<R>(_ string: String, _ body: (uvw_bytes) -> R) -> R {
    var string = string
    return string.withUTF8 { body(uvw_bytes(ptr: $0.baseAddress, len: $0.count)) }
}

func logLevel(_ level: Int32) -> Logger.Level {
    switch level {
    case ...0: .trace
    case 1: .debug
    case 2: .info
    case 3: .notice
    case 4: .warning
    case 5: .error
    default: .critical
    }
}

private func hostLog(_ ctx: UnsafeMutableRawPointer?, _ handle: OpaquePointer?, _ level: Int32, _ message: uvw_bytes) {
    let level = logLevel(level)
    if let task = TaskHandleTable.shared.lookup(handle) {
        task.pluginLog(level: level, message.string)
    } else if let ctx {
        let context = Unmanaged<PluginLogContext>.fromOpaque(ctx).takeUnretainedValue()
        context.logger.log(level: level, "plugin.log", metadata: ["plugin.message": .string(message.string)])
    }
}

private func hostIsCancelled(_ handle: OpaquePointer?) -> Bool {
    // A handle that no longer resolves belongs to a finished task: tell the plugin to stop.
    TaskHandleTable.shared.lookup(handle)?.isCancelled ?? true
}

private func hostDeadline(_ handle: OpaquePointer?) -> Int64 {
    guard let deadline = TaskHandleTable.shared.lookup(handle)?.deadline else { return 0 }
    return Int64((deadline.timeIntervalSince1970 * 1000).rounded())
}

private func hostProgress(_ handle: OpaquePointer?, _ fraction: Double, _ note: uvw_bytes) {
    guard let task = TaskHandleTable.shared.lookup(handle) else { return }
    let clamped = fraction.isFinite ? min(max(fraction, 0), 1) : 0
    task.sink.progress(clamped, noteJSON: note.len == 0 ? nil : note.string)
}

private func hostEmit(_ handle: OpaquePointer?, _ event: uvw_bytes, _ payload: uvw_bytes) {
    guard let task = TaskHandleTable.shared.lookup(handle) else { return }
    task.sink.emit(event: event.string, payloadJSON: payload.len == 0 ? "null" : payload.string)
}

private func hostInvoke(
    _ handle: OpaquePointer?, _ method: uvw_bytes, _ request: uvw_bytes,
    _ reply: (@convention(c) (UnsafeMutableRawPointer?, uvw_bytes) -> Void)?, _ user: UnsafeMutableRawPointer?
) -> Int32 {
    guard let task = TaskHandleTable.shared.lookup(handle) else { return Int32(UVW_ERR_INTERNAL) }
    let (status, response) = task.sink.invoke(method: method.string, requestJSON: request.len == 0 ? "{}" : request.string)
    if let reply, !response.isEmpty {
        withBorrowedBytes(response) { reply(user, $0) }
    }
    return status
}

private func hostDeadlineMonotonic(_ handle: OpaquePointer?) -> Int64 {
    TaskHandleTable.shared.lookup(handle)?.monotonicDeadline ?? 0
}

/// The smallest uvw_task_info a caller may pass: attempt, max_attempts and stalled_count.
private let minimumTaskInfoSize = MemoryLayout<uvw_task_info>.offset(of: \uvw_task_info.task_id)!

private func hostTaskInfo(_ handle: OpaquePointer?, _ info: UnsafeMutablePointer<uvw_task_info>?) -> Int32 {
    guard let info else { return Int32(UVW_ERR_INVALID_PARAMS) }
    // Only the caller's struct_size bytes are the caller's: read the size alone, write no more.
    let size = Int(UnsafeRawPointer(info).load(as: UInt32.self))
    guard size >= minimumTaskInfoSize else { return Int32(UVW_ERR_INVALID_PARAMS) }
    guard let task = TaskHandleTable.shared.lookup(handle) else { return Int32(UVW_ERR_INTERNAL) }
    var filled = task.abiInfo()
    let count = min(size, MemoryLayout<uvw_task_info>.size)
    filled.struct_size = UInt32(size)
    withUnsafeBytes(of: &filled) { source in
        UnsafeMutableRawPointer(info).copyMemory(from: source.baseAddress!, byteCount: count)
    }
    return Int32(UVW_OK)
}

/// A plugin's `done` callback and its user pointer, called once from whichever thread answers.
private struct InvokeCallback: @unchecked Sendable {
    // The plugin promises the callback may be called from any host thread with its `user`.
    let done: @convention(c) (UnsafeMutableRawPointer?, Int32, uvw_bytes) -> Void
    let user: UnsafeMutableRawPointer?

    func call(_ status: Int32, _ response: String) {
        withBorrowedBytes(response) { done(user, status, $0) }
    }
}

private func hostInvokeAsync(
    _ handle: OpaquePointer?, _ method: uvw_bytes, _ request: uvw_bytes,
    _ done: (@convention(c) (UnsafeMutableRawPointer?, Int32, uvw_bytes) -> Void)?, _ user: UnsafeMutableRawPointer?
) {
    guard let done else { return }
    let callback = InvokeCallback(done: done, user: user)
    guard let task = TaskHandleTable.shared.lookup(handle) else {
        callback.call(Int32(UVW_ERR_INTERNAL), #"{"error":"the task is no longer running"}"#)
        return
    }
    task.sink.invokeAsync(method: method.string, requestJSON: request.len == 0 ? "{}" : request.string) { status, response in
        callback.call(status, response)
    }
}

private func hostComplete(_ handle: OpaquePointer?, _ status: Int32, _ result: uvw_bytes, _ error: uvw_bytes) {
    completeTask(handle, status: status, resultJSON: result.len == 0 ? nil : result.string, error: error.string)
}

/// Finishes the task behind `handle` with a plugin's `complete`, whether it came through the host
/// table or from a plugin process. A late or repeated completion finds the handle retired and is
/// dropped.
func completeTask(_ handle: OpaquePointer?, status: Int32, resultJSON: String?, error: String) {
    guard let task = TaskHandleTable.shared.lookup(handle) else { return }
    TaskHandleTable.shared.remove(handle)
    let status = PluginOutcome.Status(abi: status)
    let outcome: PluginOutcome
    if status == .ok {
        outcome = PluginOutcome(status: .ok, resultJSON: resultJSON ?? "null", error: nil)
    } else {
        // A result that comes with an error is kept beside it (an exit code, an HTTP status).
        outcome = PluginOutcome(status: status, resultJSON: resultJSON, error: error.isEmpty ? "plugin failed with status \(status)" : error)
    }
    if !task.finish(outcome) {
        task.logger.debug("plugin.complete.late")
    }
}

/// `execute` returned `status`. Unless it went async (`UVW_PENDING`) or already called `complete`,
/// the return status decides the outcome (the header's rule for a missing `complete`).
package func settleReturn(_ handle: OpaquePointer?, status: Int32) {
    guard status != Int32(UVW_PENDING), TaskHandleTable.shared.lookup(handle) != nil else { return }
    completeTask(handle, status: status == Int32(UVW_OK) ? Int32(UVW_ERR_INTERNAL) : status, resultJSON: nil,
                 error: status == Int32(UVW_OK) ? "plugin returned UVW_OK without calling complete()"
                     : "plugin failed with status \(status) without a message")
}
