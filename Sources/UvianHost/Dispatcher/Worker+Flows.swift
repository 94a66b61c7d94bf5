import Foundation
import JSON

extension Worker {
    /// Checks and queues a flow; returns every node's task id (`POST /flows`'s answer). A node
    /// that cannot be taken in is a `SubmitError` at its path (`FlowSubmitError`).
    package func submitFlow(_ tree: FlowTree) async throws -> JSONValue {
        do {
            return try await submitter.submitFlow(tree).json
        } catch let refusal as Submitter.FlowRefusal {
            throw FlowSubmitError(path: refusal.path, error: refusal.error)
        }
    }

    /// A flow node refused: its path in the tree (empty for the root) and why.
    package struct FlowSubmitError: Error, Sendable {
        package let path: String
        package let error: SubmitError
    }
}
