import Foundation
package import JSON
package import Logging
import ServiceLifecycle
import Synchronization

/// A worker's part in its fleet: it heartbeats into the queue's backend (`GET /workers`), listens
/// on the control channel and carries out the commands sent to all workers (`POST /control/…`):
/// `task.cancel` (the worker running the task stops it at once), `plugins.reload` (a fleet-wide
/// hot swap), `queue.pause` / `queue.resume`, `worker.drain` / `worker.resume`. With
/// `CONTROL_SECRET`, a command that is unsigned, wrongly signed or stale is ignored and logged.
package final class FleetControl: Service, Sendable {
    let worker: Worker
    let channel: any FleetChannel
    let logger: Logger
    let startedAt = Date()
    /// Commands already handled (a command is acted on once, however often it arrives).
    private let seen = Mutex<(ids: Set<String>, order: [String])>(([], []))

    package init(worker: Worker, channel: any FleetChannel, logger: Logger) {
        self.worker = worker
        self.channel = channel
        self.logger = logger
    }

    var config: WorkerConfig { worker.config }

    package func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.heartbeats() }
            group.addTask { await self.channel.listen { text in await self.handle(text) } }
            // Until the service stops: then the loops are cancelled and the worker leaves the list.
            try? await gracefulShutdown()
            group.cancelAll()
        }
        try? await channel.forget(workerId: config.workerId)
    }

    private func heartbeats() async {
        while !Task.isCancelled {
            do {
                try await channel.heartbeat(info())
            } catch {
                logger.warning("control.heartbeat.failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: .milliseconds(config.heartbeatIntervalMs))
        }
    }

    /// This worker as its heartbeat says.
    func info() -> WorkerInfo {
        let plugins: [JSONValue] = PluginListing.entries(worker.registry).map { entry in
            .object(["name": entry["name"] ?? .null, "version": entry["version"] ?? .null, "generation": entry["generation"] ?? .null,
                     "sha256": entry["sha256"] ?? .null, "state": entry["state"] ?? .null])
        }
        return WorkerInfo(workerId: config.workerId, host: ProcessInfo.processInfo.hostName, pid: getpid(), version: UvianVersion.current,
                          queue: config.queueName, startedAt: startedAt, heartbeatAt: Date(), running: worker.activeCount,
                          slots: config.maxConcurrentTasks, draining: worker.isDraining, plugins: plugins)
    }

    /// Acts on one message from the channel and replies.
    func handle(_ text: String) async {
        guard let json = try? JSONValue.parse(text), let message = ControlMessage(json: json) else {
            logger.warning("control.rejected", metadata: ["reason": "not a control message"])
            return
        }
        if let refusal = message.refusal(secret: config.controlSecret) {
            logger.warning("control.rejected", metadata: ["control.id": "\(message.id)", "control.command": "\(message.command)", "reason": "\(refusal)"])
            return
        }
        let first = seen.withLock { seen -> Bool in
            guard seen.ids.insert(message.id).inserted else { return false }
            seen.order.append(message.id)
            if seen.order.count > 1000 { seen.ids.remove(seen.order.removeFirst()) }
            return true
        }
        guard first else { return }
        // Commands for one queue (pause, resume) are for the workers of that queue only.
        if let queue = message.arguments["queue"]?.stringValue, queue != config.queueName { return }
        guard let (ok, result) = await execute(message) else { return }
        logger.info("control.done", metadata: ["control.id": "\(message.id)", "control.command": "\(message.command)", "control.ok": "\(ok)"])
        do {
            try await channel.reply(ControlReply(commandId: message.id, workerId: config.workerId, ok: ok, result: result))
        } catch {
            logger.warning("control.reply.failed", metadata: ["error": "\(error)"])
        }
    }

    /// The command's effect here and the reply; nil: not for this worker (no reply).
    private func execute(_ message: ControlMessage) async -> (Bool, JSONValue)? {
        let arguments = message.arguments
        switch message.command {
        case "task.cancel":
            guard let id = arguments["task_id"]?.stringValue else { return (false, "task_id is required") }
            return (true, ["task_id": .string(id), "running_here": .bool(worker.cancelRunningHere(id))])
        case "plugins.reload":
            return await reloadPlugins(named: arguments["name"]?.stringValue)
        case "queue.pause", "queue.resume":
            do {
                let pause = message.command == "queue.pause"
                // Every worker of the queue sets it (the same write): the fleet agrees whichever answers.
                try await worker.queue.setPaused(pause)
                return (true, ["paused": .bool(pause)])
            } catch {
                return (false, .string("queue error: \(error)"))
            }
        case "worker.drain", "worker.resume":
            if let target = arguments["worker_id"]?.stringValue, target != config.workerId { return nil }
            worker.setDraining(message.command == "worker.drain")
            return (true, ["draining": .bool(worker.isDraining), "running": .number(Double(worker.activeCount))])
        default:
            return (false, .string("unknown command \(message.command)"))
        }
    }

    /// Reloads one plugin, or syncs them all with plugins.yaml; answers with each plugin's
    /// generation and sha256 as they now are.
    private func reloadPlugins(named name: String?) async -> (Bool, JSONValue) {
        let file: PluginsFile
        do {
            file = try PluginsFile.load(path: config.pluginsConfig)
        } catch {
            return (false, .string("plugins file: \(error)"))
        }
        var ok = true
        var detail: JSONValue = .null
        if let name {
            switch await worker.registry.reload(name, from: file) {
            case .unknown:
                ok = false
                detail = .string("plugin '\(name)' is not in \(config.pluginsConfig)")
            case .failed(let error):
                ok = false
                detail = .string("the new version was refused; the old one keeps serving: \(error.reason)")
            case .unchanged: detail = "unchanged"
            case .reloaded: detail = "reloaded"
            }
        } else {
            _ = await worker.registry.sync(with: file)
            detail = "synced"
        }
        let plugins = info().plugins.filter { name == nil || $0["name"]?.stringValue == name }
        return (ok, ["outcome": detail, "plugins": .array(plugins)])
    }
}

extension FleetControl {
    /// Sends a command to the fleet and gathers the replies that come within `timeout` (sooner
    /// when every live worker has answered).
    package static func send(_ command: String, arguments: JSONValue, via channel: any FleetChannel, config: WorkerConfig,
                             timeout: Duration) async throws -> (message: ControlMessage, replies: [ControlReply], expected: Int) {
        let live = try await channel.workers(liveWithin: .milliseconds(config.heartbeatIntervalMs * 3))
        let expected = command.hasPrefix("worker.") && arguments["worker_id"]?.stringValue != nil ? 1 : live.count
        let message = ControlMessage(command: command, arguments: arguments, sender: config.workerId).signed(with: config.controlSecret)
        try await channel.publish(message)
        let deadline = ContinuousClock.now + timeout
        var replies: [ControlReply] = []
        while ContinuousClock.now < deadline {
            replies = try await channel.replies(to: message.id)
            if replies.count >= expected && expected > 0 { break }
            try await Task.sleep(for: .milliseconds(25))
        }
        return (message, replies.sorted { $0.workerId < $1.workerId }, expected)
    }
}
