import Foundation
import Testing
import UvianHost

/// Events reach the Redis channel, SSE and WebSocket clients as `serializedJSON`, written without
/// building the object: it must be the very text `json.serialized()` gives.
@Suite struct TaskEventTests {
    @Test(arguments: [
        TaskEvent(type: "task.completed", taskId: "a1", taskType: "echo", data: ["result": ["n": 1, "list": [1.5, "x", nil, true]]]),
        TaskEvent(type: "task.processing", taskId: "b\"2\\", taskType: "data_processing", data: [:], conversationId: "conv-é-\u{1F600}"),
        TaskEvent(type: "task.failed", taskId: "c3", taskType: "t\nab", data: ["error": "line\u{1}one\ttwo", "attempts": 3],
                  conversationId: ""),
        TaskEvent(type: "task.progress", taskId: "d4", taskType: "x", timestamp: Date(timeIntervalSince1970: 0.0005), data: .null),
    ])
    func writesWhatTheJSONValueSerialises(_ event: TaskEvent) throws {
        #expect(event.serializedJSON == event.json.serialized())
        #expect(try JSONValue.parse(event.serializedJSON) == event.json)
    }
}
