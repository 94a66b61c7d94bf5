import Foundation

/// A task transition (`task.pending`, `task.processing`, `task.progress`, `task.retrying`,
/// `task.completed`, `task.failed`, `task.cancelled`) or a plugin event such as `chat.token`.
public struct TaskEvent: Sendable {
    public let type: String
    public let taskId: String
    public let taskType: String
    public let timestamp: Date
    public let data: JSONValue

    public init(type: String, taskId: String, taskType: String, timestamp: Date = Date(), data: JSONValue = .object([:])) {
        self.type = type
        self.taskId = taskId
        self.taskType = taskType
        self.timestamp = timestamp
        self.data = data
    }

    public var isTerminal: Bool { type == "task.completed" || type == "task.failed" || type == "task.cancelled" }

    public var json: JSONValue {
        .object([
            "event": .string(type),
            "task_id": .string(taskId),
            "task_type": .string(taskType),
            "timestamp": .string(ISO8601.format(timestamp)),
            "data": data,
        ])
    }
}
