import Foundation

/// A task transition (`task.pending`, `task.processing`, `task.progress`, `task.retrying`,
/// `task.completed`, `task.failed`, `task.cancelled`) or a plugin event such as `chat.token`.
public struct TaskEvent: Sendable {
    public let type: String
    public let taskId: String
    public let taskType: String
    public let timestamp: Date
    public let data: JSONValue
    /// The conversation the task belongs to (its `conversation_id` parameter), so clients can
    /// follow one conversation's events.
    public let conversationId: String?
    /// The task as it was just recorded, when the worker has it in hand (a finish on the embedded
    /// store): `?wait` answers with it instead of reading it back. Not part of the JSON.
    public var record: TaskRecord?

    public init(type: String, taskId: String, taskType: String, timestamp: Date = Date(), data: JSONValue = .object([:]),
                conversationId: String? = nil, record: TaskRecord? = nil) {
        self.type = type
        self.taskId = taskId
        self.taskType = taskType
        self.timestamp = timestamp
        self.data = data
        self.conversationId = conversationId
        self.record = record
    }

    /// Whether the event passes the filters a client gave (nil: any).
    public func matches(taskId: String?, taskType: String?, conversationId: String?) -> Bool {
        (taskId == nil || self.taskId == taskId) && (taskType == nil || self.taskType == taskType)
            && (conversationId == nil || self.conversationId == conversationId)
    }

    public var isTerminal: Bool { type == "task.completed" || type == "task.failed" || type == "task.cancelled" }

    public var json: JSONValue {
        var fields: [String: JSONValue] = [
            "event": .string(type),
            "task_id": .string(taskId),
            "task_type": .string(taskType),
            "timestamp": .string(ISO8601.format(timestamp)),
            "data": data,
        ]
        if let conversationId { fields["conversation_id"] = .string(conversationId) }
        return .object(fields)
    }
}
