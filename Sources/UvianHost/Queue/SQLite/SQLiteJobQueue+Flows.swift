import Foundation
import JSON

/// Flows on the embedded queue, with BullMQ's semantics: a parent's row waits (due at a time that
/// never comes) while `pending_children` counts its unfinished children; each child's end is
/// settled in the transaction that removes it — its result kept for the parent in
/// `queue_flow_results`, its failure handled as its `child_failure` option says.
extension SQLiteJobQueue {
    static let flowResultsTable = """
        CREATE TABLE IF NOT EXISTS queue_flow_results (
            parent_id TEXT NOT NULL,
            child_id TEXT NOT NULL,
            outcome TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (parent_id, child_id)
        );
        """

    /// The due time of a parent waiting for its children.
    static let waitingForChildren: Double = 1e15

    /// How a job of a flow ended, for its parent.
    enum ChildEnding {
        case completed(resultJSON: String)
        /// Failed for good, or cancelled.
        case failed(reason: String)
    }

    package func enqueueFlow(_ jobs: [FlowJob]) async throws {
        try await database.transaction { connection in try Self.insertFlow(jobs, in: connection) }
    }

    /// Queues a flow's jobs, parents first; a parent is due once its children have ended.
    static func insertFlow(_ jobs: [FlowJob], in connection: SQLiteConnection) throws {
        for flow in jobs {
            try insert(flow.job, runAt: flow.childCount > 0 ? waitingForChildren : nil, in: connection)
            if flow.parentId != nil || flow.childCount > 0 {
                try connection.query(
                    "UPDATE queue_jobs SET parent_id = ?, child_failure = ?, pending_children = ? WHERE id = ?",
                    [flow.parentId.map { .text($0) } ?? .null, flow.onFailure.map { .text($0.rawValue) } ?? .null,
                     .int(Int64(flow.childCount)), .text(flow.job.id)])
            }
        }
    }

    package func children(of job: LeasedJob) async throws -> (completed: [String: JSONValue], failed: [String: String]) {
        try await database.withConnection { connection in
            var completed: [String: JSONValue] = [:]
            var failed: [String: String] = [:]
            for row in try connection.query("SELECT child_id, outcome, value FROM queue_flow_results WHERE parent_id = ?", [.text(job.id)]) {
                guard let child = row["child_id"]?.text, let value = row["value"]?.text else { continue }
                if row["outcome"]?.text == "completed" {
                    completed[child] = (try? JSONValue.parse(value)) ?? .string(value)
                } else {
                    failed[child] = value
                }
            }
            return (completed, failed)
        }
    }

    /// A job left the queue (finished or cancelled): its own children's results go, and its parent,
    /// if it has one, learns how it ended.
    static func settleFlow(ofRemoved id: String, parentId: String?, failure: String?, ending: ChildEnding,
                           in connection: SQLiteConnection) throws {
        try connection.query("DELETE FROM queue_flow_results WHERE parent_id = ?", [.text(id)])
        guard let parentId else { return }
        func record(_ outcome: String, _ value: String) throws {
            try connection.query("INSERT OR REPLACE INTO queue_flow_results (parent_id, child_id, outcome, value) VALUES (?, ?, ?, ?)",
                                 [.text(parentId), .text(id), .text(outcome), .text(value)])
        }
        /// One child fewer to wait for; the parent becomes due when none is left.
        func childEnded() throws {
            let left = try connection.query(
                "UPDATE queue_jobs SET pending_children = pending_children - 1 WHERE id = ? AND pending_children > 0 RETURNING pending_children",
                [.text(parentId)])
            if left.first?["pending_children"]?.int == 0 { try release() }
        }
        func release() throws {
            try connection.query("UPDATE queue_jobs SET run_at = ?, pending_children = 0 WHERE id = ? AND run_at >= ?",
                                 [.double(Date().timeIntervalSince1970), .text(parentId), .double(waitingForChildren)])
        }
        switch ending {
        case .completed(let resultJSON):
            try record("completed", resultJSON)
            try childEnded()
        case .failed(let reason):
            switch failure.flatMap(ChildFailure.init(rawValue:)) {
            case .failParent?:
                // As BullMQ: the parent runs no more; it fails, naming the child, when taken.
                try connection.query("UPDATE queue_jobs SET deferred_failure = ? WHERE id = ?", [.text("child \(id) failed"), .text(parentId)])
                try release()
            case .continueParent?:
                try record("failed", reason)
                try release()
            case .ignore?:
                try record("failed", reason)
                try childEnded()
            case .remove?:
                try childEnded()
            case nil:
                // BullMQ's default: the parent keeps waiting for a child that will not complete.
                break
            }
        }
    }
}
