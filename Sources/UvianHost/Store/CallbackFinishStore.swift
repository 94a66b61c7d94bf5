package import Foundation

/// A store that can write a task's outcome without a task to resume, calling back on its own
/// thread once the write is durable. With a `CallbackFinishQueue`, the outcome recorder chains the
/// queue's finish of the same job from that callback: one hand-off from the job's task instead of
/// two (the embedded SQLite store; PostgreSQL's pool has no such thread).
package protocol CallbackFinishStore: TaskStore {
    func markFinished(id: String, status: TaskStatus, result: JSONValue?, error: String?, at date: Date, creating: TaskStart?,
                      completion: @escaping @Sendable ((any Error)?) -> Void)
}
