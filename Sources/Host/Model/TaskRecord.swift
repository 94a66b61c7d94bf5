import Foundation

/// A task as the store keeps it and `GET /task/{id}` shows it.
public struct TaskRecord: Sendable, Equatable {
    public var id: String
    public var queue: String
    public var taskType: String
    public var status: TaskStatus
    public var parameters: JSONValue
    public var options: JobOptions
    public var result: JSONValue?
    public var error: String?
    public var progress: Double = 0
    /// Attempts started so far.
    public var attempts: Int = 0
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var updatedAt: Date
    /// When a pending task will next run (delay or retry backoff), if later than now.
    public var runAt: Date?
    public var workerId: String?

    public init(id: String, queue: String, taskType: String, parameters: JSONValue, options: JobOptions, createdAt: Date = Date()) {
        self.id = id
        self.queue = queue
        self.taskType = taskType
        self.status = .pending
        self.parameters = parameters
        self.options = options
        self.createdAt = createdAt
        self.updatedAt = createdAt
        if options.delayMs > 0 { runAt = createdAt.addingTimeInterval(Double(options.delayMs) / 1000) }
    }

    /// The JSON shape of the API.
    public var json: JSONValue {
        func time(_ date: Date?) -> JSONValue { date.map { .string(ISO8601.format($0)) } ?? .null }
        return .object([
            "task_id": .string(id),
            "task_type": .string(taskType),
            "queue": .string(queue),
            "status": .string(status.rawValue),
            "parameters": parameters,
            "options": options.json,
            "result": result ?? .null,
            "error": error.map { .string($0) } ?? .null,
            "progress": .number(progress),
            "attempts": .number(Double(attempts)),
            "max_attempts": .number(Double(options.attempts)),
            "created_at": time(createdAt),
            "started_at": time(startedAt),
            "finished_at": time(finishedAt),
            "updated_at": time(updatedAt),
            "run_at": time(runAt),
            "worker_id": workerId.map { .string($0) } ?? .null,
        ])
    }
}

/// RFC 3339 timestamps with milliseconds, UTC.
enum ISO8601 {
    /// Made once: building the style cost as much as formatting with it (two timestamps a job).
    private static let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    static func format(_ date: Date) -> String {
        style.format(date)
    }
}
