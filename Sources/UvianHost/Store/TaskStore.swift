package import Foundation
import JSON

/// The system of record for tasks: what `GET /task/{id}` reads. Every transition is written here.
package protocol TaskStore: Sendable {
    /// A short name for `/health`: "sqlite" or "postgres".
    var kind: String { get }
    /// Creates the task, or returns the existing one with the same idempotency key.
    func create(_ record: TaskRecord) async throws -> TaskCreation
    func get(id: String) async throws -> TaskRecord?
    /// A flow parent's children that have a record, oldest first.
    func children(of id: String) async throws -> [TaskRecord]
    func list(_ query: TaskQuery) async throws -> TaskPage
    /// Marks the tasks processing, in one write. A task with no record yet (a job another
    /// producer queued) is created from its `record` in the same statement.
    func markProcessing(_ starts: [TaskStart], workerId: String, at date: Date) async throws
    func updateProgress(id: String, progress: Double) async throws
    /// Completed, failed or cancelled, with the result or error. With `creating`, an upsert: a
    /// task with no record (its start could not be written, the store being down when the job
    /// was picked up) is created from it with this outcome, in the same statement.
    func markFinished(id: String, status: TaskStatus, result: JSONValue?, error: String?, at date: Date, creating: TaskStart?) async throws
    /// Back to pending: a retry after backoff, or a job returned to the queue at shutdown; with
    /// `creating`, an upsert as for `markFinished`.
    func markPending(id: String, error: String?, attempts: Int, runAt: Date?, creating: TaskStart?) async throws
    /// Counts per status, for `/health`.
    func counts() async throws -> [TaskStatus: Int]
    /// Deletes up to `limit` finished tasks that finished before `date`; returns how many.
    func deleteFinishedTasks(before date: Date, limit: Int) async throws -> Int
    /// Sends a finished task back to run again (a retry asked for through the API): pending, no
    /// attempts, its result, error, progress, worker and times cleared. False: it had no record
    /// or was not finished (another call requeued it first).
    func markRequeued(id: String) async throws -> Bool
    /// Removes a finished task's record; false when there is none, or it is not finished.
    func deleteFinished(id: String) async throws -> Bool
    /// Tasks per task type and status (`GET /queue`, the metrics).
    func countsByType() async throws -> [String: [TaskStatus: Int]]
    /// Brings the search index up to date with the tasks written since it last was (the embedded
    /// store indexes off the job's path; PostgreSQL's index is always up to date).
    func indexForSearch() async throws
    /// How many tasks wait to enter the search index (0 where it is always up to date).
    func searchBacklog() async throws -> Int
    /// Tasks that finished since `since`, completed and failed, per bucket of `bucketSeconds`
    /// (its start, seconds since 1970, a multiple of the size), oldest first; empty buckets left out.
    func throughput(since: Date, bucketSeconds: Int) async throws -> [ThroughputBucket]
    /// Appends what a plugin logged for a task, keeping its newest `TaskLogLine.maxPerTask`
    /// (a task's lines may come before its record: a job another producer queued).
    func appendLogs(id: String, _ lines: [TaskLogLine]) async throws
    /// A task's log lines, oldest first, from `offset`; and how many it has.
    func logs(id: String, limit: Int, offset: Int) async throws -> (lines: [TaskLogLine], total: Int)

    // MARK: Conversations and messages (the chat plugin's history)

    func createConversation(_ conversation: Conversation) async throws -> Conversation
    func conversation(id: String) async throws -> Conversation?
    /// Appends at the end of the conversation; throws `ConversationNotFound`.
    func appendMessage(_ message: NewMessage) async throws -> Message
    /// The conversation's last `limit` messages, oldest first; throws `ConversationNotFound`.
    func messages(conversationId: String, limit: Int) async throws -> [Message]
}

/// A task a worker starts (or finishes): its record (what the store creates if it has none), the
/// attempt, and the worker and time it started at.
package struct TaskStart: Sendable {
    package let record: TaskRecord
    package let attempt: Int
    /// The parameters as the queue holds them (JSON text), stored as they are instead of
    /// serialising `record.parameters` again.
    package let parametersJSON: String?

    /// For a record made at the finish: who ran the attempt, since when.
    package var workerId: String?
    package var startedAt: Date?
    /// The start was never written (it waited in a batch when the job ended): the finish writes
    /// the attempt, the worker and `startedAt` on an existing record too, in the same write.
    package var startUnwritten = false

    package init(record: TaskRecord, attempt: Int, parametersJSON: String? = nil, workerId: String? = nil, startedAt: Date? = nil) {
        self.record = record
        self.attempt = attempt
        self.parametersJSON = parametersJSON
        self.workerId = workerId
        self.startedAt = startedAt
    }
}

extension TaskStore {
    package func indexForSearch() async throws {}
    package func searchBacklog() async throws -> Int { 0 }

    package func markFinished(id: String, status: TaskStatus, result: JSONValue?, error: String?, at date: Date) async throws {
        try await markFinished(id: id, status: status, result: result, error: error, at: date, creating: nil)
    }

    package func markPending(id: String, error: String?, attempts: Int, runAt: Date?) async throws {
        try await markPending(id: id, error: error, attempts: attempts, runAt: runAt, creating: nil)
    }

    /// Marks one task processing (see `markProcessing(_:workerId:at:)`).
    package func markProcessing(_ record: TaskRecord, attempt: Int, workerId: String, at date: Date) async throws {
        try await markProcessing([TaskStart(record: record, attempt: attempt)], workerId: workerId, at: date)
    }
}

package enum TaskCreation: Sendable {
    case created(TaskRecord)
    case existing(TaskRecord)
}

package struct TaskQuery: Sendable {
    package var status: TaskStatus?
    package var taskType: String?
    package var limit: Int = 50
    package var offset: Int = 0
    /// Only tasks that finished before then (the bulk actions' `older_than`).
    package var finishedBefore: Date?
    /// Words every match has (`?q=`): see `TaskSearch`.
    package var search: TaskSearch?
    package var workerId: String?
    package var createdAfter: Date?
    package var createdBefore: Date?
    /// `parameters.<path>=value`: the field's text equals the value.
    package var parameterEquals: [TaskSearch.FieldMatch] = []
    /// The page after this task (newest first; `next_cursor` of the page before).
    package var after: TaskSearch.Cursor?

    package init(status: TaskStatus? = nil, taskType: String? = nil, limit: Int = 50, offset: Int = 0, finishedBefore: Date? = nil) {
        self.status = status
        self.taskType = taskType
        self.limit = limit
        self.offset = offset
        self.finishedBefore = finishedBefore
    }
}

package struct ThroughputBucket: Sendable, Equatable {
    package let start: Int
    package let completed: Int
    package let failed: Int
}

package struct TaskPage: Sendable {
    package var tasks: [TaskRecord]
    package var total: Int
}
