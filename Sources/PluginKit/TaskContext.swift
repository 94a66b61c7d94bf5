import Foundation
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
    /// calling thread: call it from sync handlers, or from async ones knowing it holds a thread.
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
        let text = String(decoding: reply.bytes, as: UTF8.self)
        guard status == uvw_status(UVW_OK) else {
            // Errors come as {"error": "…"}; the message names what was wrong.
            let message = (try? JSONValue.parse(reply.bytes))?["error"]?.stringValue ?? text
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

    /// `invoke` with JSON values: the request written and the response parsed by the JSON library.
    public func invoke(_ method: String, request: JSONValue) throws -> JSONValue {
        let text = try invoke(method, requestJSON: request.serialized())
        do {
            return try JSONValue.parse(text)
        } catch {
            throw TaskError(.internal, "\(method) answered with invalid JSON: \(error)")
        }
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
            withBytes(error.message) { e in host.pointee.complete(task, status, uvw_bytes(ptr: nil, len: 0), e) }
            return status
        }
    }
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
