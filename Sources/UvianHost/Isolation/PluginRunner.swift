import Foundation
import JSON
import Logging
import PluginAPI
import Synchronization

/// The child side of process isolation (`uvian-worker plugin-runner`): loads one plugin in this
/// process and runs the jobs the worker sends over fds 3 (in) and 4 (out), forwarding every
/// host-table call the plugin makes as a frame.
///
/// Jobs run on their own threads and the main loop only reads frames, so a cancel or the answer to
/// an `invoke` is read while `execute` blocks. When the worker goes away (end of file on fd 3) the
/// child exits at once, whatever the plugin is doing.
package enum PluginRunner {
    static let inputFD: Int32 = 3
    static let outputFD: Int32 = 4

    /// Runs until the worker sends `shutdown` or goes away, and returns the exit code. The loop
    /// blocks in `read`, so it gets a thread of its own rather than one of the cooperative pool.
    package static func run() async -> Int32 {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: serve()) }
            thread.name = "plugin-runner"
            thread.start()
        }
    }

    private static func serve() -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        guard fcntl(inputFD, F_GETFD) >= 0, fcntl(outputFD, F_GETFD) >= 0 else {
            FileHandle.standardError.write(Data("plugin-runner is started by uvian-worker for plugins with isolation: process; it is not run by hand\n".utf8))
            return 64
        }
        let channel = RunnerChannel(readFD: inputFD, writeFD: outputFD)
        LoggingSystem.bootstrap { _ in RunnerLogHandler(channel: channel) }
        let logger = Logger(label: "plugin-runner")

        guard let start = try? channel.receive(), start.kind == .start else {
            FileHandle.standardError.write(Data("plugin-runner: no start frame on fd 3; it is started by uvian-worker for plugins with isolation: process\n".utf8))
            return 65
        }
        var input = start.reader
        guard let path = try? input.string(), let name = try? input.string(), let configText = try? input.string(),
              let memory = try? input.i64(), let cpu = try? input.i64(), let files = try? input.i64() else { return 65 }
        let limits = ResourceLimits(memoryMB: memory > 0 ? Int(memory) : nil, cpuSeconds: cpu > 0 ? Int(cpu) : nil,
                                    openFiles: files > 0 ? Int(files) : nil)
        if let problem = limits.applyStatic() {
            channel.send(RunnerFrame(.refused) { $0.string(problem) })
            return 1
        }
        let plugin: LoadedPlugin
        do {
            let config = try JSONValue.parse(configText)
            plugin = try PluginLoader(pluginDirs: [], logger: logger).load(PluginSpec(name: name, path: path, config: config))
        } catch let error as PluginLoadError {
            channel.send(RunnerFrame(.refused) { $0.string(error.reason) })
            return 1
        } catch {
            channel.send(RunnerFrame(.refused) { $0.string("config is not valid JSON: \(error)") })
            return 1
        }
        channel.send(.ready(plugin.summary))

        let session = RunnerSession(plugin: plugin, channel: channel, limits: limits)
        while true {
            guard let frame = try? channel.receive() else { _exit(0) }
            switch frame.kind {
            case .execute: session.execute(frame)
            case .cancel: session.cancel(frame)
            case .invokeReply: session.deliverReply(frame)
            case .shutdown:
                plugin.shutdown()
                return 0
            default:
                return 65
            }
        }
    }
}

/// The jobs of one plugin-runner: their tasks, and the `invoke` calls waiting for the worker.
final class RunnerSession: Sendable {
    let plugin: LoadedPlugin
    let channel: RunnerChannel
    let limits: ResourceLimits
    private let executor = BlockingExecutor(threads: 1, maxThreads: 64, name: "plugin-job")
    private let calls = Mutex([UInt64: (task: RunningTask, handle: TaskHandle)]())
    private let invokes = Mutex(InvokeTable())

    struct InvokeTable {
        var nextId: UInt64 = 1
        var waiting: [UInt64: @Sendable (Int32, String) -> Void] = [:]
    }

    init(plugin: LoadedPlugin, channel: RunnerChannel, limits: ResourceLimits) {
        self.plugin = plugin
        self.channel = channel
        self.limits = limits
    }

    func execute(_ frame: RunnerFrame) {
        var input = frame.reader
        guard let callId = try? input.u64(), let typeIndex = try? input.u32(), let taskId = try? input.string(),
              let taskType = try? input.string(), let deadlineMs = try? input.i64(), let params = try? input.data(),
              let monotonicDeadline = try? input.i64(), let info = try? input.taskInfo() else { return }
        let deadline = deadlineMs > 0 ? Date(timeIntervalSince1970: Double(deadlineMs) / 1000) : nil
        let sink = RunnerTaskSink(callId: callId, session: self)
        // CLOCK_MONOTONIC is the machine's: the worker's deadline holds here as it is.
        let task = RunningTask(id: taskId, taskType: taskType, deadline: deadline,
                               monotonicDeadline: monotonicDeadline > 0 ? monotonicDeadline : nil, info: info,
                               logger: Logger(label: "task", factory: { _ in SwiftLogNoOpLogHandler() }), sink: sink)
        let handle = TaskHandle(pointer: TaskHandleTable.shared.register(task))
        calls.withLock { $0[callId] = (task, handle) }
        // The complete frame goes out from the thread that completes the task.
        task.onOutcome { [self] outcome in
            calls.withLock { $0[callId] = nil }
            channel.send(RunnerFrame(.complete) { out in
                out.u64(callId)
                out.i32(outcome.status.abiCode)
                out.optionalString(outcome.resultJSON)
                out.string(outcome.error ?? "")
            })
        }
        limits.armCPU()
        let plugin = self.plugin
        executor.submit {
            let status = plugin.execute(typeIndex: typeIndex, task: handle.pointer, params: params)
            settleReturn(handle.pointer, status: status)
        }
    }

    func cancel(_ frame: RunnerFrame) {
        var input = frame.reader
        guard let callId = try? input.u64(), let call = calls.withLock({ $0[callId] }) else { return }
        call.task.requestCancel()
        let plugin = self.plugin
        executor.submit { plugin.cancel(task: call.handle.pointer) }
    }

    /// Sends an `invoke` to the worker; `done` runs on the frame-reading thread when the answer
    /// is read (a synchronous invoke waits for it on the plugin's thread).
    func invokeAsync(callId: UInt64, method: String, requestJSON: String, done: @escaping @Sendable (Int32, String) -> Void) {
        let invokeId = invokes.withLock { table in
            defer { table.nextId += 1 }
            table.waiting[table.nextId] = done
            return table.nextId
        }
        let sent = channel.send(RunnerFrame(.invoke) { out in
            out.u64(callId)
            out.u64(invokeId)
            out.string(method)
            out.string(requestJSON)
        })
        if !sent, let done = invokes.withLock({ $0.waiting.removeValue(forKey: invokeId) }) {
            done(Int32(UVW_ERR_INTERNAL), #"{"error":"the worker is gone"}"#)
        }
    }

    func deliverReply(_ frame: RunnerFrame) {
        var input = frame.reader
        guard let invokeId = try? input.u64(), let status = try? input.i32(), let response = try? input.string(),
              let done = invokes.withLock({ $0.waiting.removeValue(forKey: invokeId) }) else { return }
        done(status, response)
    }
}

/// Where a job's host-table calls go inside the child: over the pipe to the worker, which hands
/// them to the job's real sink.
struct RunnerTaskSink: TaskSink {
    let callId: UInt64
    let session: RunnerSession

    func progress(_ fraction: Double, noteJSON: String?) {
        session.channel.send(RunnerFrame(.progress) { out in
            out.u64(callId)
            out.f64(fraction)
            out.string(noteJSON ?? "")
        })
    }

    func emit(event: String, payloadJSON: String) {
        session.channel.send(RunnerFrame(.emit) { out in
            out.u64(callId)
            out.string(event)
            out.string(payloadJSON)
        })
    }

    func invokeAsync(method: String, requestJSON: String, done: @escaping @Sendable (Int32, String) -> Void) {
        session.invokeAsync(callId: callId, method: method, requestJSON: requestJSON, done: done)
    }

    func log(level: Logger.Level, _ message: String) {
        session.channel.send(.log(callId: callId, level: level, message))
    }
}

extension RunnerFrame {
    static func log(callId: UInt64, level: Logger.Level, _ message: String) -> RunnerFrame {
        RunnerFrame(.log) { out in
            out.u64(callId)
            out.i32(level.abiLevel)
            out.string(message)
        }
    }
}

extension Logger.Level {
    /// The ABI's UVW_LOG_* number of this level.
    var abiLevel: Int32 {
        switch self {
        case .trace: 0
        case .debug: 1
        case .info: 2
        case .notice: 3
        case .warning: 4
        case .error: 5
        case .critical: 6
        }
    }
}

/// The child's own log lines (plugin-wide ones, loader messages) go to the worker as frames,
/// which logs them with the plugin's name and the child's pid.
struct RunnerLogHandler: LogHandler {
    let channel: RunnerChannel
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var text = event.message.description
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        if let message = merged["plugin.message"] {
            text = "\(message)"
        } else if !merged.isEmpty {
            text += " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
        channel.send(.log(callId: 0, level: event.level, text))
    }
}
