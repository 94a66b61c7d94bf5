import Foundation

/// An operator's actions on single jobs (retry, promote, remove) and the queue's overview, each
/// one script (Lua/requeueJob, promoteJob, removeFinishedJob, queueOverview), as BullMQ's own.
extension RedisJobQueue {
    package func requeue(_ job: NewJob) async throws -> Bool {
        let reply = try await commands.evaluate(
            scripts.requeueJob,
            keys: [keys.job(job.id), keys.completed, keys.failed, keys.wait, keys.prioritized, keys.delayed, keys.marker, keys.events,
                   keys.meta, keys.pc, keys.active, keys.cancelSet],
            arguments: [job.id, String(Self.nowMs()), knownEventsCap])
        switch reply.string {
        case "requeued": return true
        case "missing":
            // Removed when it ended (removeOnComplete/removeOnFail): added anew from the task's record.
            try await enqueue(job)
            return true
        default: return false
        }
    }

    package func promote(id: String) async throws -> Bool {
        try await commands.evaluate(
            scripts.promoteJob,
            keys: [keys.delayed, keys.wait, keys.prioritized, keys.pc, keys.marker, keys.meta, keys.active, keys.events, keys.job(id)],
            arguments: [id, knownEventsCap]).integer == 1
    }

    package func removeFinished(id: String) async throws -> Bool {
        try await commands.evaluate(scripts.removeFinishedJob, keys: [keys.job(id), keys.completed, keys.failed, keys.events, keys.meta],
                                    arguments: [id, knownEventsCap]).integer == 1
    }

    package func overview() async throws -> QueueOverview {
        let reply = try await commands.evaluate(
            scripts.queueOverview,
            keys: [keys.wait, keys.prioritized, keys.delayed, keys.active, keys.completed, keys.failed, keys.key("waiting-children"),
                   keys.meta, keys.key("paused")],
            arguments: [keys.base]).array ?? []
        let number = { (index: Int) in index < reply.count ? Int(reply[index].integer ?? 0) : 0 }
        let names = ["waiting", "prioritized", "delayed", "active", "completed", "failed", "waiting-children"]
        var counts: [String: Int] = [:]
        for (index, name) in names.enumerated() { counts[name] = number(index) }
        var oldest: (id: String, since: Date)?
        if reply.count >= 10, let id = reply[8].string, let since = reply[9].integer {
            oldest = (id, Date(timeIntervalSince1970: Double(since) / 1000))
        }
        return QueueOverview(counts: counts, paused: number(7) == 1, oldestWaiting: oldest)
    }
}
