import CProcessSpawn
import Foundation
import Logging
import PluginAPI
import Synchronization

/// One `plugin-runner` child, seen from the worker: it runs one job at a time, and every host-table
/// call the plugin makes arrives here as a frame and is answered for the job's task.
///
/// A reader thread owns the child's output. When the child dies (signal, exit, killed for hanging)
/// the reader reaps it, fails the job it was running with what happened, and tells the pool.
final class PluginProcess: @unchecked Sendable {
    // `pid` and `channel` are fixed after spawn; everything that changes is in `state`.
    let pid: pid_t
    private let channel: RunnerChannel
    private let logger: Logger
    private let state = Mutex(State())

    private struct State {
        var call: (id: UInt64, handle: TaskHandle)?
        var nextCallId: UInt64 = 1
        var killReason: String?
        var exited = false
    }

    /// What happens to the child after a job or when it dies; set once by the pool before use.
    struct Hooks: Sendable {
        var idle: @Sendable (PluginProcess) -> Void
        var exited: @Sendable (PluginProcess, String) -> Void
    }

    private init(pid: pid_t, channel: RunnerChannel, logger: Logger) {
        self.pid = pid
        self.channel = channel
        self.logger = logger
    }

    struct StartFailure: Error, CustomStringConvertible {
        let description: String
    }

    /// Starts a child, has it load `path` with the spec's config and limits, and waits for its
    /// description. Blocks (up to `loadTimeout`); call it off the cooperative pool.
    static func spawn(_ command: PluginRunnerCommand, path: String, spec: PluginSpec, logger: Logger,
                      loadTimeout: Double = 30) throws(StartFailure) -> (PluginProcess, PluginDescription) {
        Self.ignoreSIGPIPE
        var toChild: [Int32] = [0, 0], fromChild: [Int32] = [0, 0]
        guard uvw_pipe_cloexec(&toChild) == 0 else { throw StartFailure(description: "pipe: \(String(cString: strerror(errno)))") }
        guard uvw_pipe_cloexec(&fromChild) == 0 else {
            close(toChild[0]); close(toChild[1])
            throw StartFailure(description: "pipe: \(String(cString: strerror(errno)))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // The protocol uses fds 3 and 4; the plugin's own stdout goes to the worker's stderr so a
        // stray printf cannot corrupt a frame.
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, toChild[0], 3)
        posix_spawn_file_actions_adddup2(&actions, fromChild[1], 4)
        posix_spawn_file_actions_adddup2(&actions, 2, 1)
        uvw_spawn_closefrom(&actions, 5)

        var environment = ProcessInfo.processInfo.environment
        // Swift's backtracer would delay the report of a crash by tens of milliseconds.
        if environment["SWIFT_BACKTRACE"] == nil { environment["SWIFT_BACKTRACE"] = "enable=no" }
        let argv = [command.executable] + command.arguments
        let envp = environment.map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let spawned = withCStrings(argv) { argvPointers in
            withCStrings(envp) { envpPointers in
                posix_spawn(&pid, command.executable, &actions, nil, argvPointers, envpPointers)
            }
        }
        close(toChild[0])
        close(fromChild[1])
        guard spawned == 0 else {
            close(toChild[1]); close(fromChild[0])
            throw StartFailure(description: "cannot start \(command.executable): \(String(cString: strerror(spawned)))")
        }
        let process = PluginProcess(pid: pid, channel: RunnerChannel(readFD: fromChild[0], writeFD: toChild[1]),
                                    logger: logger.with(["plugin.process.pid": "\(pid)"]))
        let limits = spec.rlimits ?? ResourceLimits()
        process.channel.send(RunnerFrame(.start) { out in
            out.string(path)
            out.string(spec.name)
            out.string(spec.config.serialized())
            out.i64(Int64(limits.memoryMB ?? 0))
            out.i64(Int64(limits.cpuSeconds ?? 0))
            out.i64(Int64(limits.openFiles ?? 0))
        })
        do {
            return (process, try process.awaitReady(timeout: loadTimeout))
        } catch {
            process.channel.close()
            throw error
        }
    }

    /// Reads the child's first frames: plugin-wide log lines, then `ready` or `refused`.
    private func awaitReady(timeout: Double) throws(StartFailure) -> PluginDescription {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            var poller = pollfd(fd: channel.readFD, events: Int16(POLLIN), revents: 0)
            let wait = Int32(max(0, deadline.timeIntervalSinceNow * 1000))
            let ready = poll(&poller, 1, wait)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else {
                Glibc.kill(pid, SIGKILL)
                _ = reap()
                throw StartFailure(description: "plugin-runner did not finish loading within \(Int(timeout)) s")
            }
            let frame: RunnerFrame
            do {
                frame = try channel.receive()
            } catch {
                throw StartFailure(description: "plugin-runner \(reap()) while loading")
            }
            switch frame.kind {
            case .log: handleLog(frame)
            case .refused:
                var input = frame.reader
                let reason = (try? input.string()) ?? "refused"
                _ = reap()
                throw StartFailure(description: reason)
            case .ready:
                do {
                    return try frame.description()
                } catch {
                    Glibc.kill(pid, SIGKILL)
                    _ = reap()
                    throw StartFailure(description: "plugin-runner sent an unreadable description: \(error)")
                }
            default:
                Glibc.kill(pid, SIGKILL)
                _ = reap()
                throw StartFailure(description: "plugin-runner sent \(frame.kind) before it was ready")
            }
        }
    }

    /// Starts reading the child's frames; `hooks` hear about finished jobs and the child's end.
    func start(_ hooks: Hooks) {
        let thread = Thread { [self] in readLoop(hooks) }
        thread.name = "plugin-process-\(pid)"
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Sends one job to the child. The outcome arrives later through `completeTask`.
    func execute(typeIndex: UInt32, handle: OpaquePointer, task: RunningTask, params: [UInt8]) {
        let callId: UInt64? = state.withLock { state in
            guard !state.exited, state.call == nil else { return nil }
            defer { state.nextCallId += 1 }
            state.call = (state.nextCallId, TaskHandle(pointer: handle))
            return state.nextCallId
        }
        guard let callId else {
            completeTask(handle, status: Int32(UVW_ERR_INTERNAL), resultJSON: nil, error: "plugin process \(pid) is not available")
            return
        }
        let deadline = task.deadline.map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) } ?? 0
        // A failed write means the child is gone: the reader sees the end and fails the job.
        channel.send(RunnerFrame(.execute) { out in
            out.u64(callId)
            out.u32(typeIndex)
            out.string(task.id)
            out.string(task.taskType)
            out.i64(deadline)
            out.data(params)
            out.i64(task.monotonicDeadline ?? 0)
            out.taskInfo(task.info)
        })
    }

    /// True when the child is running the task behind `handle`.
    func isRunning(_ handle: OpaquePointer) -> Bool {
        state.withLock { $0.call?.handle.pointer == handle }
    }

    func cancel(_ handle: OpaquePointer) {
        guard let callId = state.withLock({ $0.call?.handle.pointer == handle ? $0.call?.id : nil }) else { return }
        channel.send(RunnerFrame(.cancel) { $0.u64(callId) })
    }

    /// Ends the child at once (SIGKILL); the reader reports it with `reason`.
    func kill(reason: String) {
        let alive = state.withLock { state -> Bool in
            if state.killReason == nil { state.killReason = reason }
            return !state.exited
        }
        if alive { Glibc.kill(pid, SIGKILL) }
    }

    /// Asks the child to shut its plugin down and exit.
    func requestShutdown() {
        channel.send(RunnerFrame(.shutdown))
    }

    private func readLoop(_ hooks: Hooks) {
        while true {
            let frame: RunnerFrame
            do {
                frame = try channel.receive()
            } catch {
                if case .malformed(let what) = error {
                    logger.error("plugin.process.protocol_error", metadata: ["error": "\(what)"])
                    kill(reason: "protocol error: \(what)")
                }
                break
            }
            switch frame.kind {
            case .log: handleLog(frame)
            case .progress, .emit, .invoke: handleTaskCall(frame)
            case .complete: handleComplete(frame, hooks)
            default:
                logger.error("plugin.process.protocol_error", metadata: ["error": "unexpected \(frame.kind)"])
                kill(reason: "protocol error: unexpected \(frame.kind)")
            }
        }
        channel.close()
        let ending = reap()
        let (call, killReason) = state.withLock { state in
            state.exited = true
            defer { state.call = nil }
            return (state.call, state.killReason)
        }
        let reason = killReason.map { "\($0) (\(ending))" } ?? ending
        if let call {
            completeTask(call.handle.pointer, status: Int32(UVW_ERR_INTERNAL), resultJSON: nil, error: "plugin process \(reason)")
        }
        hooks.exited(self, reason)
    }

    /// The task of the job in progress, when the frame's call id is that job's.
    private func task(forCall callId: UInt64) -> RunningTask? {
        guard let handle = state.withLock({ $0.call?.id == callId ? $0.call?.handle : nil }) else { return nil }
        return TaskHandleTable.shared.lookup(handle.pointer)
    }

    private func handleLog(_ frame: RunnerFrame) {
        var input = frame.reader
        guard let callId = try? input.u64(), let level = try? input.i32(), let message = try? input.string() else { return }
        if callId != 0, let task = task(forCall: callId) {
            task.pluginLog(level: logLevel(level), message)
        } else {
            logger.log(level: logLevel(level), "plugin.log", metadata: ["plugin.message": .string(message)])
        }
    }

    private func handleTaskCall(_ frame: RunnerFrame) {
        var input = frame.reader
        do {
            let callId = try input.u64()
            let task = task(forCall: callId)
            switch frame.kind {
            case .progress:
                let fraction = try input.f64(), note = try input.string()
                let clamped = fraction.isFinite ? min(max(fraction, 0), 1) : 0
                task?.sink.progress(clamped, noteJSON: note.isEmpty ? nil : note)
            case .emit:
                let event = try input.string(), payload = try input.string()
                task?.sink.emit(event: event, payloadJSON: payload.isEmpty ? "null" : payload)
            default:
                // Answered when the store has answered, so this thread goes on reading frames.
                let invokeId = try input.u64(), method = try input.string(), request = try input.string()
                let reply: @Sendable (Int32, String) -> Void = { [channel] status, response in
                    channel.send(RunnerFrame(.invokeReply) { out in
                        out.u64(invokeId)
                        out.i32(status)
                        out.string(response)
                    })
                }
                if let task {
                    task.sink.invokeAsync(method: method, requestJSON: request.isEmpty ? "{}" : request, done: reply)
                } else {
                    reply(Int32(UVW_ERR_INTERNAL), #"{"error":"the task is no longer running"}"#)
                }
            }
        } catch {
            logger.error("plugin.process.protocol_error", metadata: ["error": "short \(frame.kind) frame"])
        }
    }

    private func handleComplete(_ frame: RunnerFrame, _ hooks: Hooks) {
        var input = frame.reader
        let callId: UInt64, status: Int32, result: String?, error: String
        do {
            (callId, status, result, error) = (try input.u64(), try input.i32(), try input.optionalString(), try input.string())
        } catch {
            logger.error("plugin.process.protocol_error", metadata: ["error": "short complete frame"])
            return
        }
        let handle: TaskHandle? = state.withLock { state in
            guard let call = state.call, call.id == callId else { return nil }
            state.call = nil
            return call.handle
        }
        guard let handle else { return }
        // Free for the next job before the outcome is delivered, so the next job finds it idle.
        hooks.idle(self)
        completeTask(handle.pointer, status: status, resultJSON: result, error: error)
    }

    /// Waits for the child to end and says how: "exited with status 3", "killed by signal 11 (…)".
    /// A child that closed its pipe but lingers is killed after two seconds.
    private func reap() -> String {
        var status: Int32 = 0
        var waited = 0
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { break }
            if result < 0 && errno != EINTR { return "ended (status unknown: \(String(cString: strerror(errno))))" }
            if waited == 2000 { Glibc.kill(pid, SIGKILL) }
            usleep(1000)
            waited += 1
        }
        return Self.describe(waitStatus: status)
    }

    static func describe(waitStatus status: Int32) -> String {
        let signal = status & 0x7f
        if signal == 0 { return "exited with status \((status >> 8) & 0xff)" }
        let name = strsignal(signal).map { String(cString: $0) } ?? "unknown signal"
        return "killed by signal \(signal) (\(name))"
    }

    /// A write to a child that died must fail with EPIPE, not kill the worker.
    private static let ignoreSIGPIPE: Void = { signal(SIGPIPE, SIG_IGN) }()
}

/// Calls `body` with a NULL-terminated `char *[]` of `strings`.
private func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    let pointers = strings.map { strdup($0) } + [nil]
    defer { pointers.forEach { free($0) } }
    return body(pointers)
}
