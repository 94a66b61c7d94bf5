import Foundation
import JSON

extension Submitter {
    /// A flow's task ids, as `POST /flows` answers: each node's id with its children's.
    struct FlowIds: Sendable {
        let id: String
        let taskType: String
        let children: [FlowIds]

        var json: JSONValue {
            .object(["task_id": .string(id), "task_type": .string(taskType), "children": .array(children.map(\.json))])
        }
    }

    /// A flow's failure to be taken in: the node's path and what was wrong with it.
    struct FlowRefusal: Error, Sendable {
        let path: String
        let error: Worker.SubmitError
    }

    /// Checks every node of a flow against its task type's schema, then creates the records and
    /// queues the jobs: on the embedded backends in one transaction, else the records first (a
    /// flow the queue refuses leaves its records failed, naming why).
    func submitFlow(_ tree: FlowTree) async throws -> FlowIds {
        let nodes = tree.nodes()
        var checkers: [String?] = []
        for (path, node) in nodes {
            do {
                checkers.append(ParameterCheck.checker(of: try check(taskType: node.taskType, parameters: node.parameters)))
            } catch {
                throw FlowRefusal(path: path, error: error)
            }
        }
        var records: [TaskRecord] = []
        var jobs: [FlowJob] = []
        func add(_ node: FlowTree, parent: String?, checkedBy: String?) -> FlowIds {
            let id = RandomIdentifier.uuid()
            var record = TaskRecord(id: id, queue: config.queueName, taskType: node.taskType, parameters: node.parameters, options: node.options)
            record.parentId = parent
            records.append(record)
            let job = NewJob(id: id, taskType: node.taskType, parametersJSON: node.parameters.serialized(), options: node.options, checkedBy: checkedBy)
            jobs.append(FlowJob(job: job, parentId: parent, onFailure: node.onFailure, childCount: node.children.count))
            var children: [FlowIds] = []
            for child in node.children { children.append(add(child, parent: id, checkedBy: checkers[records.count])) }
            return FlowIds(id: id, taskType: node.taskType, children: children)
        }
        let ids = add(tree, parent: nil, checkedBy: checkers[0])
        if let embedded {
            try await embedded.createAndEnqueueFlow(records, jobs: jobs)
        } else {
            for record in records { _ = try await store.create(record) }
            do {
                try await queue.enqueueFlow(jobs)
            } catch {
                for record in records {
                    try? await store.markFinished(id: record.id, status: .failed, result: nil, error: "could not be queued: \(error)", at: Date())
                }
                throw error
            }
        }
        for record in records {
            events.publish("task.pending", id: record.id, taskType: record.taskType,
                           data: ["run_at": record.runAt.map { .string(ISO8601.format($0)) } ?? .null, "parent_id": record.parentId.map { .string($0) } ?? .null],
                           conversationId: record.parameters["conversation_id"]?.stringValue)
        }
        consumer.wake()
        return ids
    }
}
