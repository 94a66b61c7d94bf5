import Foundation
import JSON
import Logging

/// Schedules on Redis: BullMQ's job schedulers (`repeat` keys, runs `repeat:<id>:<ms>`), so
/// schedulers made with `upsertJobScheduler` in Node or Python run here and those made here are
/// listed by BullMQ's `getJobSchedulers`. The lease script creates a run's successor; for cron
/// schedulers it needs the times ahead, which this worker computes and stores with the
/// scheduler (`uvw_runs`), so the script only has to ask when they run out.
extension RedisJobQueue: ScheduleBackend {
    /// Cron times stored ahead; refilled when fewer than `refillBelow` are left.
    static let cronTimesAhead = 8
    static let refillBelow = 4

    private var scheduleKeys: [String] {
        [keys.wait, keys.prioritized, keys.delayed, keys.marker, keys.events, keys.meta, keys.pc, keys.active, keys.repeatSet]
    }

    package func upsertSchedule(_ schedule: Schedule) async throws -> ScheduleStatus {
        let now = Self.nowMs()
        var repeatFields: [String: JSONValue] = [:]
        var cronFirst = ""
        var runs = ""
        let timing = schedule.timing
        switch timing.trigger {
        case .every(let ms, let offset):
            repeatFields["every"] = .number(Double(ms))
            if let offset { repeatFields["offset"] = .number(Double(offset)) }
        case .cron(let text, let zone):
            repeatFields["pattern"] = .string(text)
            if let zone { repeatFields["tz"] = .string(zone) }
            guard let first = timing.firstRun(now: now) else { return endedStatus(schedule) }
            cronFirst = String(first)
            runs = Self.list(timing.runs(after: first, count: Self.cronTimesAhead))
        }
        if let start = timing.startDate { repeatFields["startDate"] = .number(Double(start)) }
        if let end = timing.endDate { repeatFields["endDate"] = .number(Double(end)) }
        if let limit = timing.limit { repeatFields["limit"] = .number(Double(limit)) }
        let reply = try await commands.evaluate(
            scripts.upsertSchedule, keys: scheduleKeys,
            arguments: [keys.base, schedule.id, schedule.taskType, schedule.parameters.serialized(),
                        JSONValue.object(Self.bullOptions(schedule.options)).serialized(), JSONValue.object(repeatFields).serialized(),
                        cronFirst, String(now), runs])
        // As the script left it (a worker may lease the first run at once).
        guard let parts = reply.array, parts.count == 4, let run = parts[0].string,
              let next = ScheduleRun.time(inTaskId: run, schedule: schedule.id) else { return endedStatus(schedule) }
        return ScheduleStatus(schedule: schedule, nextRun: next, iterationCount: parts[2].integer.map(Int.init) ?? 1, lastTaskId: parts[3].string)
    }

    /// A schedule whose runs are over before the first (its end date has passed): kept, with no run.
    private func endedStatus(_ schedule: Schedule) -> ScheduleStatus {
        ScheduleStatus(schedule: schedule, nextRun: nil, iterationCount: 0, lastTaskId: nil)
    }

    package func schedule(id: String) async throws -> ScheduleStatus? {
        async let score = commands.send(["ZSCORE", keys.repeatSet, id])
        async let hash = commands.send(["HGETALL", keys.repeatSet + ":" + id])
        let fields = try await hash.fields
        guard let millis = try await score.string.flatMap({ Int64(Double($0) ?? -1) }), !fields.isEmpty else { return nil }
        return try await status(id: id, pending: millis, fields: fields)
    }

    package func schedules() async throws -> [ScheduleStatus] {
        let members = try await commands.send(["ZRANGE", keys.repeatSet, "0", "-1", "WITHSCORES"]).array?.compactMap(\.string) ?? []
        var pairs: [(String, Int64)] = []
        for index in stride(from: 0, to: members.count - 1, by: 2) {
            if let millis = Double(members[index + 1]) { pairs.append((members[index], Int64(millis))) }
        }
        return try await withThrowingTaskGroup(of: (Int, ScheduleStatus?).self) { group in
            for (position, (id, millis)) in pairs.enumerated() {
                group.addTask {
                    let fields = try await self.commands.send(["HGETALL", self.keys.repeatSet + ":" + id]).fields
                    return (position, fields.isEmpty ? nil : try await self.status(id: id, pending: millis, fields: fields))
                }
            }
            var found = [ScheduleStatus?](repeating: nil, count: pairs.count)
            for try await (position, status) in group { found[position] = status }
            return found.compactMap { $0 }
        }
    }

    package func removeSchedule(id: String) async throws -> Bool {
        let reply = try await commands.evaluate(
            scripts.removeSchedule, keys: [keys.repeatSet, keys.delayed, keys.events, keys.wait, keys.prioritized],
            arguments: [keys.base, id])
        return reply.integer == 1
    }

    /// A scheduler as this worker shows it, from BullMQ's hash; its run at `pending` counts as
    /// next while it has not started (a scheduler at its limit keeps its last run's time).
    private func status(id: String, pending: Int64, fields: [String: String]) async throws -> ScheduleStatus? {
        guard let timing = Self.timing(fields) else { return nil }
        let options = ((try? JSONValue.parse(fields["opts"] ?? "{}")) ?? .object([:]))
        var jobOptions = JobOptions()
        jobOptions.attempts = max(options["attempts"]?.intValue ?? 1, 1)
        jobOptions.priority = options["priority"]?.intValue ?? 0
        jobOptions.backoff = Self.backoff(in: options)
        jobOptions.timeoutSeconds = options["uvw_timeout_s"]?.doubleValue
        let parameters = (try? JSONValue.parse(fields["data"] ?? "{}")) ?? .object([:])
        let schedule = Schedule(id: id, taskType: fields["name"] ?? id, parameters: parameters, options: jobOptions, timing: timing)
        let run = ScheduleRun.taskId(schedule: id, at: pending)
        let started = try await commands.send(["HGET", keys.job(run), "processedOn"]).string != nil
        return ScheduleStatus(schedule: schedule, nextRun: started ? nil : pending, iterationCount: Int(fields["ic"] ?? "") ?? 0,
                              lastTaskId: fields["uvw_last"])
    }

    /// The timing of a scheduler hash (or of a run's `repeat` options, spelled alike).
    static func timing(_ fields: [String: String]) -> ScheduleTiming? {
        func int(_ key: String) -> Int64? { fields[key].flatMap { Double($0) }.map { Int64($0) } }
        let trigger: ScheduleTiming.Trigger
        if let every = int("every"), every > 0 {
            trigger = .every(milliseconds: every, offset: int("offset"))
        } else if let pattern = fields["pattern"] {
            trigger = .cron(pattern, timeZone: fields["tz"])
        } else {
            return nil
        }
        return ScheduleTiming(trigger: trigger, startDate: int("startDate"), endDate: int("endDate"), limit: int("limit").map(Int.init))
    }

    /// What the task of a scheduler's run records of it: the run's time and the runs that fell
    /// due before it could start.
    static func scheduleRun(of jobId: String, schedule id: String, hash: [String: String], opts: JSONValue) -> ScheduleRun {
        let scheduledAt = ScheduleRun.time(inTaskId: jobId, schedule: id) ?? opts["prevMillis"]?.intValue.map(Int64.init) ?? nowMs()
        let started = hash["processedOn"].flatMap { Int64($0) } ?? nowMs()
        // Only the lease that advanced the scheduler speaks for the runs it skipped.
        let advanced = hash["uvw_schedule"].map { !["stale", "duplicated"].contains($0) } ?? false
        let missed = advanced ? (timing(ofRun: opts)?.missedRuns(after: scheduledAt, now: started) ?? 0) : 0
        return ScheduleRun(scheduleId: id, scheduledAt: scheduledAt, missed: missed)
    }

    /// The timing a scheduler's run carries in its job options (BullMQ's `repeat` block, spelled
    /// as the scheduler's hash is).
    static func timing(ofRun opts: JSONValue) -> ScheduleTiming? {
        guard case .object(let repeatOptions)? = opts["repeat"] else { return nil }
        return timing(repeatOptions.compactMapValues { $0.stringValue ?? $0.doubleValue.map { String(format: "%.0f", $0) } })
    }

    /// After a cron scheduler's run was leased: creates its successor when the lease script had
    /// no time for it, or stores more times ahead when few are left. Neither holds the job up;
    /// both are guarded by the scheduler's pending run, so a late or repeated call does nothing.
    func followUp(schedule id: String, run: String, status: String, opts: JSONValue) {
        guard let timing = Self.timing(ofRun: opts), case .cron = timing.trigger,
              let scheduledAt = ScheduleRun.time(inTaskId: run, schedule: id) else { return }
        let now = Self.nowMs()
        let producer: String
        let nextRun: String
        let runs: [Int64]
        if status == "needs" {
            guard let next = timing.nextRun(after: scheduledAt, now: now) else { return }
            producer = run
            nextRun = String(next)
            runs = timing.runs(after: next, count: Self.cronTimesAhead)
        } else if status.hasPrefix("next:") {
            let parts = status.split(separator: ":")
            guard parts.count == 3, let next = Int64(parts[1]), let left = Int(parts[2]), left >= 0, left < Self.refillBelow else { return }
            producer = ScheduleRun.taskId(schedule: id, at: next)
            nextRun = ""
            runs = timing.runs(after: next, count: Self.cronTimesAhead)
        } else {
            return
        }
        let logger = self.logger
        commands.evaluate(scripts.advanceSchedule, keys: scheduleKeys,
                          arguments: [keys.base, id, producer, nextRun, String(now), Self.list(runs)]) { result in
            if case .failure(let error) = result {
                logger.error("schedule.advance.failed", metadata: ["schedule.id": "\(id)", "error": "\(error)"])
            }
        }
    }

    private static func list(_ runs: [Int64]) -> String { runs.map(String.init).joined(separator: ",") }
}
