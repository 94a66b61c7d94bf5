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
