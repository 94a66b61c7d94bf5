package import Foundation
import JSON

/// A task transition (`task.pending`, `task.processing`, `task.progress`, `task.retrying`,
/// `task.completed`, `task.failed`, `task.cancelled`) or a plugin event such as `chat.token`.
package struct TaskEvent: Sendable {
    package let type: String
    package let taskId: String
    package let taskType: String
    package let timestamp: Date
    package let data: JSONValue
    /// The conversation the task belongs to (its `conversation_id` parameter), so clients can
    /// follow one conversation's events.
    package let conversationId: String?
    /// The task as it was just recorded, when the worker has it in hand (a finish on the embedded
    /// store): `?wait` answers with it instead of reading it back. Not part of the JSON.
    package var record: TaskRecord?

    package init(type: String, taskId: String, taskType: String, timestamp: Date = Date(), data: JSONValue = .object([:]),
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
    package func matches(taskId: String?, taskType: String?, conversationId: String?) -> Bool {
        (taskId == nil || self.taskId == taskId) && (taskType == nil || self.taskType == taskType)
            && (conversationId == nil || self.conversationId == conversationId)
    }

    package var isTerminal: Bool { type == "task.completed" || type == "task.failed" || type == "task.cancelled" }

    /// `json.serialized()`, written straight into bytes: each event of every job is serialised
    /// for the Redis channel, and building the object first (a dictionary, then its keys sorted)
    /// cost more than writing it. The keys come in the same (byte) order.
    package var serializedJSON: String {
        var output: [UInt8] = []
        output.reserveCapacity(192)
        func member(_ key: StaticString, _ write: (inout [UInt8]) -> Void) {
            output.append(output.isEmpty ? UInt8(ascii: "{") : UInt8(ascii: ","))
            output.append(UInt8(ascii: "\""))
            key.withUTF8Buffer { output.append(contentsOf: $0) }
            output.append(contentsOf: "\":".utf8)
            write(&output)
        }
        if let conversationId { member("conversation_id") { JSONValue.writeString(conversationId, into: &$0) } }
        member("data") { JSONValue.write(data, into: &$0) }
        member("event") { JSONValue.writeString(type, into: &$0) }
        member("task_id") { JSONValue.writeString(taskId, into: &$0) }
        member("task_type") { JSONValue.writeString(taskType, into: &$0) }
        member("timestamp") { JSONValue.writeString(ISO8601.format(timestamp), into: &$0) }
        output.append(UInt8(ascii: "}"))
        return String(decoding: output, as: UTF8.self)
    }

    package var json: JSONValue {
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
