import Foundation
import JSON
import PluginAPI

/// The host services about the running job itself, reached through the ABI's `invoke`:
///
/// | method | request | response |
/// |---|---|---|
/// | `job.children_values` | `{}` | `{"<child task id>": result, …}`: a flow's parent's completed children |
/// | `job.failed_children` | `{}` | `{"<child task id>": "reason", …}`: children that failed with `continue_parent_on_failure` or `ignore_dependency_on_failure` |
///
/// A child in another queue than the worker's is named `<queue>:<id>`.
struct JobServices: Sendable {
    let job: LeasedJob
    let queue: any JobQueue

    static let methods: Set<String> = ["job.children_values", "job.failed_children"]

    func handle(method: String) async -> (status: Int32, response: JSONValue) {
        do {
            let children = try await queue.children(of: job)
            if method == "job.children_values" { return (Int32(UVW_OK), .object(children.completed)) }
            return (Int32(UVW_OK), .object(children.failed.mapValues { .string($0) }))
        } catch {
            return (Int32(UVW_ERR_RETRYABLE), ["error": .string("queue error: \(error)")])
        }
    }
}
