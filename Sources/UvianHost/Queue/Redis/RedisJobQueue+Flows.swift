import Foundation
import JSON

/// Flows on Redis (BullMQ's FlowProducer layout): what a parent's children left it. The scripts
/// settle parents (settleParent in _shared.lua); this reads the result hashes.
extension RedisJobQueue {
    package func children(of job: LeasedJob) async throws -> (completed: [String: JSONValue], failed: [String: String]) {
        async let processed = commands.send(["HGETALL", keys.job(job.id) + ":processed"])
        async let failed = commands.send(["HGETALL", keys.job(job.id) + ":failed"])
        var completed: [String: JSONValue] = [:]
        for (key, value) in try await processed.fields {
            completed[childName(key)] = (try? JSONValue.parse(value)) ?? .string(value)
        }
        var failures: [String: String] = [:]
        for (key, reason) in try await failed.fields { failures[childName(key)] = reason }
        return (completed, failures)
    }

    /// A child's task id from its key: `<prefix>:<queue>:<id>`, the id alone in this queue,
    /// `<queue>:<id>` in another.
    func childName(_ key: String) -> String {
        if key.hasPrefix(keys.base) { return String(key.dropFirst(keys.base.count)) }
        guard let colon = key.firstIndex(of: ":") else { return key }
        return String(key[key.index(after: colon)...])
    }
}

extension RedisJobQueue {
    /// One addFlow call writes the whole tree in BullMQ's layout.
    package func enqueueFlow(_ jobs: [FlowJob]) async throws {
        let nodes: [JSONValue] = jobs.map { flow in
            let options = flow.job.options
            var opts = Self.bullOptions(options)
            opts["delay"] = .number(Double(options.delayMs))
            opts["jobId"] = .string(flow.job.id)
            if let checkedBy = flow.job.checkedBy { opts["uvw_checked"] = .string(checkedBy) }
            if let parent = flow.parentId { opts["parent"] = .object(["id": .string(parent), "queue": .string(String(keys.base.dropLast()))]) }
            if let failure = flow.onFailure { opts[failure.bullOption] = true }
            var node: [String: JSONValue] = [
                "id": .string(flow.job.id), "name": .string(flow.job.taskType), "data": .string(flow.job.parametersJSON),
                "opts": .string(JSONValue.object(opts).serialized()), "delay": .number(Double(options.delayMs)),
                "priority": .number(Double(options.priority)), "children": .number(Double(flow.childCount)),
            ]
            if let parent = flow.parentId { node["parent"] = .string(parent) }
            if let failure = flow.onFailure { node["failure"] = .string(failure.rawValue) }
            return .object(node)
        }
        _ = try await commands.evaluate(
            scripts.addFlow,
            keys: [keys.wait, keys.prioritized, keys.delayed, keys.marker, keys.events, keys.meta, keys.pc, keys.active,
                   keys.key("waiting-children"), keys.id],
            arguments: [keys.base, String(Self.nowMs()), JSONValue.array(nodes).serialized()])
    }
}
