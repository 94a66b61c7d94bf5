import Foundation
import JSON
import Logging
import Synchronization

/// The fleet on Redis: commands on the pub/sub channel `CONTROL_CHANNEL` (a connection of its own,
/// subscribed, on a thread of its own), replies in a short-lived list per command, heartbeats in a
/// hash beside the queue's keys.
final class RedisFleetChannel: FleetChannel {
    let queue: RedisJobQueue
    let channel: String
    let logger: Logger
    private let listener = BlockingExecutor(threads: 1, name: "control")

    init(queue: RedisJobQueue, channel: String, logger: Logger) {
        self.queue = queue
        self.channel = channel
        self.logger = logger
    }

    private var workersKey: String { queue.keys.key("uvw:workers") }
    private func repliesKey(_ id: String) -> String { queue.keys.key("uvw:control:" + id) }

    func publish(_ message: ControlMessage) async throws {
        _ = try await queue.commands.send(["PUBLISH", channel, message.json.serialized()])
    }

    func listen(_ handle: @Sendable (String) async -> Void) async {
        for await text in messages() { await handle(text) }
    }

    /// The subscribed connection's messages; its thread stops when the stream's reader goes.
    private func messages() -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(1000))
        let stopped = Atomic<Bool>(false)
        continuation.onTermination = { _ in stopped.store(true, ordering: .relaxed) }
        let (endpoint, channel, logger) = (queue.commands.endpoint, self.channel, self.logger)
        listener.submit {
            var failures = 0
            while !stopped.load(ordering: .relaxed) {
                do {
                    let connection = try RedisConnection(endpoint: endpoint, readTimeout: 5)
                    _ = try connection.command(["SUBSCRIBE", channel])
                    failures = 0
                    while !stopped.load(ordering: .relaxed) {
                        guard let message = try connection.nextMessage(within: 0.25) else { continue }
                        if let parts = message.array, parts.count == 3, parts[0].string == "message", let text = parts[2].string {
                            continuation.yield(text)
                        }
                    }
                } catch {
                    failures += 1
                    if failures == 1 { logger.warning("control.subscribe.failed", metadata: ["error": "\(error)"]) }
                    Thread.sleep(forTimeInterval: min(0.1 * Double(1 << min(failures, 5)), 3))
                }
            }
            continuation.finish()
        }
        return stream
    }

    func reply(_ reply: ControlReply) async throws {
        let key = repliesKey(reply.commandId)
        _ = try await queue.commands.send(["RPUSH", key, reply.json.serialized()])
        _ = try await queue.commands.send(["PEXPIRE", key, "60000"])
    }

    func replies(to commandId: String) async throws -> [ControlReply] {
        let items = try await queue.commands.send(["LRANGE", repliesKey(commandId), "0", "-1"]).array ?? []
        return items.compactMap { $0.string.flatMap { try? JSONValue.parse($0) }.flatMap(ControlReply.init(json:)) }
    }

    func heartbeat(_ info: WorkerInfo) async throws {
        _ = try await queue.commands.send(["HSET", workersKey, info.workerId, info.json.serialized()])
    }

    func workers(liveWithin: Duration) async throws -> [WorkerInfo] {
        let all = try await queue.commands.send(["HGETALL", workersKey]).fields
        let now = Date()
        var live: [WorkerInfo] = []
        var gone: [String] = []
        for (id, text) in all {
            guard let info = (try? JSONValue.parse(text)).flatMap(WorkerInfo.init(json:)) else { continue }
            let age = now.timeIntervalSince(info.heartbeatAt)
            if age <= liveWithin.inSeconds { live.append(info) } else if age > 600 { gone.append(id) }
        }
        // Workers silent for ten minutes leave the hash.
        if !gone.isEmpty { _ = try? await queue.commands.send(["HDEL", workersKey] + gone) }
        return live.sorted { $0.workerId < $1.workerId }
    }

    func forget(workerId: String) async throws {
        _ = try await queue.commands.send(["HDEL", workersKey, workerId])
    }
}
