import Foundation
import JSON
import Logging
import PluginAPI

/// A process-isolated plugin generation: up to `capacity` plugin-runner children, each running one
/// job at a time. A child that dies fails only its own job and is replaced; retiring the
/// generation stops its children, which really unloads the plugin whatever its language.
final class PluginProcessPool: PluginBackend, @unchecked Sendable {
    // Everything mutable is guarded by `condition`.
    let unloadable = true
    private let command: PluginRunnerCommand
    private let path: String
    private let spec: PluginSpec
    private let logger: Logger
    private let capacity: Int
    private let condition = NSCondition()
    private var idle: [PluginProcess] = []
    private var live: [PluginProcess] = []
    /// Children being started (they count against the capacity).
    private var starting = 0
    private var stopped = false
    /// Children that died while the generation was serving (crashes, kills, exits).
    private var deaths = 0
    /// How each child ended, oldest first (what `plugin check` reports after its shutdown).
    private var endings: [String] = []

    var exitReasons: [String] {
        condition.lock()
        defer { condition.unlock() }
        return endings
    }

    private init(command: PluginRunnerCommand, path: String, spec: PluginSpec, logger: Logger) {
        self.command = command
        self.path = path
        self.spec = spec
        self.logger = logger.with(["plugin": "\(spec.name)"])
        self.capacity = max(1, spec.processCapacity)
    }

    /// Starts the first child, which loads the plugin and describes it. Blocks.
    static func start(_ command: PluginRunnerCommand, path: String, spec: PluginSpec,
                      logger: Logger) throws(PluginProcess.StartFailure) -> (PluginProcessPool, PluginDescription) {
        let pool = PluginProcessPool(command: command, path: path, spec: spec, logger: logger)
        let (first, description) = try PluginProcess.spawn(command, path: path, spec: spec, logger: pool.logger)
        pool.adopt(first)
        pool.condition.lock()
        pool.idle.append(first)
        pool.condition.unlock()
        return (pool, description)
    }

    private func adopt(_ process: PluginProcess) {
        condition.lock()
        live.append(process)
        condition.unlock()
        process.start(PluginProcess.Hooks(
            idle: { [weak self] process in self?.release(process) },
            exited: { [weak self] process, reason in self?.exited(process, reason: reason) }
        ))
    }

    func execute(typeIndex: UInt32, task handle: OpaquePointer, params: [UInt8]) -> Int32 {
        guard let task = TaskHandleTable.shared.lookup(handle) else { return Int32(UVW_PENDING) }
        let process: PluginProcess
        do {
            guard let acquired = try acquire(for: handle) else { return Int32(UVW_PENDING) }
            process = acquired
        } catch {
            completeTask(handle, status: Int32(UVW_ERR_INTERNAL), resultJSON: nil, error: "cannot start the plugin process: \(error)")
            return Int32(UVW_PENDING)
        }
        // The task may have ended (cancelled, deadline) while it waited for a child.
        guard TaskHandleTable.shared.lookup(handle) != nil else {
            release(process)
            return Int32(UVW_PENDING)
        }
        process.execute(typeIndex: typeIndex, handle: handle, task: task, params: params)
        return Int32(UVW_PENDING)
    }

    /// An idle child, a new one while below capacity, or nil when the task ended while waiting.
    private func acquire(for handle: OpaquePointer) throws(PluginProcess.StartFailure) -> PluginProcess? {
        condition.lock()
        while idle.isEmpty && live.count + starting >= capacity && !stopped {
            _ = condition.wait(until: Date().addingTimeInterval(0.1))
            if TaskHandleTable.shared.lookup(handle) == nil {
                condition.unlock()
                return nil
            }
        }
        if stopped {
            condition.unlock()
            throw PluginProcess.StartFailure(description: "the plugin generation was retired")
        }
        if let process = idle.popLast() {
            condition.unlock()
            return process
        }
        starting += 1
        condition.unlock()
        let process = try startCountedChild()
        logger.debug("plugin.process.started", metadata: ["plugin.process.pid": "\(process.pid)"])
        return process
    }

    /// Starts and adopts a child the caller already counted in `starting` (under the lock), and
    /// uncounts it however the start went.
    private func startCountedChild() throws(PluginProcess.StartFailure) -> PluginProcess {
        defer {
            condition.lock()
            starting -= 1
            condition.broadcast()
            condition.unlock()
        }
        let (process, _) = try PluginProcess.spawn(command, path: path, spec: spec, logger: logger)
        adopt(process)
        return process
    }

    private func release(_ process: PluginProcess) {
        condition.lock()
        defer { condition.unlock() }
        guard !stopped else {
            process.requestShutdown()
            return
        }
        idle.append(process)
        condition.signal()
    }

    private func exited(_ process: PluginProcess, reason: String) {
        condition.lock()
        idle.removeAll { $0 === process }
        live.removeAll { $0 === process }
        endings.append(reason)
        if endings.count > 16 { endings.removeFirst() }
        let stopping = stopped
        let replace = !stopped && live.count + starting == 0
        if replace { starting += 1 }
        if !stopping { deaths += 1 }
        condition.broadcast()
        condition.unlock()
        if stopping {
            logger.debug("plugin.process.stopped", metadata: ["plugin.process.pid": "\(process.pid)", "reason": "\(reason)"])
            return
        }
        logger.warning("plugin.process.exited", metadata: ["plugin.process.pid": "\(process.pid)", "reason": "\(reason)"])
        // Keep one child warm so the next job does not pay for a start.
        guard replace else { return }
        Thread.detachNewThread { [self] in
            let fresh: PluginProcess
            do {
                fresh = try startCountedChild()
            } catch {
                logger.error("plugin.process.respawn_failed", metadata: ["error": "\(error)"])
                return
            }
            release(fresh)
            logger.info("plugin.process.respawned", metadata: ["plugin.process.pid": "\(fresh.pid)"])
        }
    }

    func cancel(task handle: OpaquePointer) {
        runningProcess(handle)?.cancel(handle)
    }

    /// A child that does not stop after its job was cancelled or timed out is killed.
    func abandon(task handle: OpaquePointer) -> String? {
        guard let process = runningProcess(handle) else { return nil }
        process.kill(reason: "killed: the job did not stop after it was cancelled or timed out")
        return "its plugin process (pid \(process.pid)) was killed"
    }

    private func runningProcess(_ handle: OpaquePointer) -> PluginProcess? {
        condition.lock()
        defer { condition.unlock() }
        return live.first { $0.isRunning(handle) }
    }

    /// Asks every child to shut the plugin down and exit; kills those still there after 5 s.
    func shutdown() {
        condition.lock()
        stopped = true
        let idleNow = idle
        idle.removeAll()
        condition.broadcast()
        condition.unlock()
        for process in idleNow { process.requestShutdown() }
        condition.lock()
        let deadline = Date().addingTimeInterval(5)
        while !live.isEmpty || starting > 0, condition.wait(until: deadline) {}
        let remaining = live
        condition.unlock()
        for process in remaining { process.kill(reason: "killed: it did not exit after shutdown") }
    }

    var processSummary: JSONValue? {
        condition.lock()
        defer { condition.unlock() }
        return .object([
            "capacity": .number(Double(capacity)),
            "pids": .array(live.map { .number(Double($0.pid)) }),
            "busy": .number(Double(live.count - idle.count)),
            "died": .number(Double(deaths)),
            "last_exit": endings.last.map { .string($0) } ?? .null,
        ])
    }

    /// The children are gone once `shutdown` returned: the plugin's code is unloaded with them.
    func unload() -> Bool { true }
}
