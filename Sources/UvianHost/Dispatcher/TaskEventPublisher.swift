/// The dispatcher's side of the event bus: a task's transition as a `TaskEvent`.
struct TaskEventPublisher: Sendable {
    let bus: EventBus

    func publish(_ type: String, id: String, taskType: String, data: [String: JSONValue] = [:], conversationId: String? = nil,
                 record: TaskRecord? = nil) {
        bus.publish(TaskEvent(type: type, taskId: id, taskType: taskType, data: .object(data), conversationId: conversationId, record: record))
    }
}
