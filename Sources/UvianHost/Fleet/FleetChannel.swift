package import Foundation
package import JSON

/// How the workers of a fleet reach one another: commands to all, each worker's replies, and the
/// heartbeats `GET /workers` lists. On Redis, pub/sub and keys beside the queue's; on the embedded
/// backend, tables of the SQLite file the workers share.
package protocol FleetChannel: Sendable {
    /// Sends a command to every worker listening (this one too).
    func publish(_ message: ControlMessage) async throws
    /// Hands each command as it arrives (raw JSON text) to `handle`, until the calling task is
    /// cancelled.
    func listen(_ handle: @Sendable (String) async -> Void) async
    func reply(_ reply: ControlReply) async throws
    /// The replies to a command so far.
    func replies(to commandId: String) async throws -> [ControlReply]
    func heartbeat(_ info: WorkerInfo) async throws
    /// The workers whose last heartbeat is within `liveWithin` of now.
    func workers(liveWithin: Duration) async throws -> [WorkerInfo]
    /// A worker that stopped: out of the list at once.
    func forget(workerId: String) async throws
}

/// What a worker says of itself in its heartbeat.
package struct WorkerInfo: Sendable {
    package var workerId: String
    package var host: String
    package var pid: Int32
    package var version: String
    package var queue: String
    package var startedAt: Date
    package var heartbeatAt: Date
    package var running: Int
    package var slots: Int
    package var draining: Bool
    /// Each plugin: name, version, generation, sha256, state.
    package var plugins: [JSONValue]

    package var json: JSONValue {
        .object([
            "worker_id": .string(workerId), "host": .string(host), "pid": .number(Double(pid)), "version": .string(version),
            "queue": .string(queue), "started_at": .string(ISO8601.format(startedAt)), "last_heartbeat": .string(ISO8601.format(heartbeatAt)),
            "heartbeat_ms": .number((heartbeatAt.timeIntervalSince1970 * 1000).rounded()),
            "running": .number(Double(running)), "slots": .number(Double(slots)), "draining": .bool(draining), "plugins": .array(plugins),
        ])
    }

    package init(workerId: String, host: String, pid: Int32, version: String, queue: String, startedAt: Date, heartbeatAt: Date,
                 running: Int, slots: Int, draining: Bool, plugins: [JSONValue]) {
        self.workerId = workerId
        self.host = host
        self.pid = pid
        self.version = version
        self.queue = queue
        self.startedAt = startedAt
        self.heartbeatAt = heartbeatAt
        self.running = running
        self.slots = slots
        self.draining = draining
        self.plugins = plugins
    }

    package init?(json: JSONValue) {
        guard let id = json["worker_id"]?.stringValue, let beat = json["heartbeat_ms"]?.doubleValue else { return nil }
        let started = json["started_at"]?.stringValue.flatMap(ISO8601.parse)
        self.init(workerId: id, host: json["host"]?.stringValue ?? "", pid: Int32(json["pid"]?.intValue ?? 0),
                  version: json["version"]?.stringValue ?? "", queue: json["queue"]?.stringValue ?? "",
                  startedAt: started ?? Date(timeIntervalSince1970: 0), heartbeatAt: Date(timeIntervalSince1970: beat / 1000),
                  running: json["running"]?.intValue ?? 0, slots: json["slots"]?.intValue ?? 0, draining: json["draining"]?.boolValue ?? false,
                  plugins: json["plugins"]?.arrayValue ?? [])
    }
}
