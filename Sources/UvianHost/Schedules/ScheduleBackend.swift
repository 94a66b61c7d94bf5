import Foundation
package import JSON

/// Where schedules are kept: the queue's own backend (a table of the embedded queue; BullMQ's
/// `repeat` keys on Redis), so the run a schedule makes next is created by the same transaction
/// or script that leases the current one, and two workers can never create a run twice.
package protocol ScheduleBackend: Sendable {
    /// Creates or replaces a schedule; a change of its timing drops the pending run and
    /// computes the next from now, other changes keep the run's time.
    func upsertSchedule(_ schedule: Schedule) async throws -> ScheduleStatus
    func schedule(id: String) async throws -> ScheduleStatus?
    /// Every schedule, the soonest next run first.
    func schedules() async throws -> [ScheduleStatus]
    /// Removes the schedule and its pending run (a run already started goes on); false when there
    /// was none.
    func removeSchedule(id: String) async throws -> Bool
}

/// A schedule and where it stands.
package struct ScheduleStatus: Sendable {
    package var schedule: Schedule
    /// The pending run's time (epoch ms); nil when the schedule has ended (limit or end date).
    package var nextRun: Int64?
    /// Runs created so far, the pending one included (BullMQ's `ic`).
    package var iterationCount: Int
    /// The task id of the run that started last, if known.
    package var lastTaskId: String?

    package init(schedule: Schedule, nextRun: Int64?, iterationCount: Int, lastTaskId: String?) {
        self.schedule = schedule
        self.nextRun = nextRun
        self.iterationCount = iterationCount
        self.lastTaskId = lastTaskId
    }

    /// The pending run's task id.
    package var pendingTaskId: String? { nextRun.map { ScheduleRun.taskId(schedule: schedule.id, at: $0) } }

    package var json: JSONValue {
        guard case .object(var fields) = schedule.json else { return schedule.json }
        fields["next_run_at"] = nextRun.map { .string(ISO8601.format(ScheduleTiming.date($0))) } ?? .null
        fields["next_task_id"] = pendingTaskId.map { .string($0) } ?? .null
        let upcoming = nextRun.map { [$0] + schedule.timing.runs(after: $0, count: 4) } ?? []
        fields["upcoming_runs"] = .array(upcoming.map { .string(ISO8601.format(ScheduleTiming.date($0))) })
        fields["iteration_count"] = .number(Double(iterationCount))
        fields["last_task_id"] = lastTaskId.map { .string($0) } ?? .null
        return .object(fields)
    }
}

/// What a task made by a schedule knows of it: which schedule, the run's time, and how many
/// runs fell due while none could start (after downtime a schedule runs once, not once per
/// missed tick, and says how many it stands for).
package struct ScheduleRun: Sendable, Equatable {
    package var scheduleId: String
    /// Epoch milliseconds the run was due at.
    package var scheduledAt: Int64
    package var missed: Int

    package init(scheduleId: String, scheduledAt: Int64, missed: Int) {
        self.scheduleId = scheduleId
        self.scheduledAt = scheduledAt
        self.missed = missed
    }

    /// BullMQ's id of a scheduler's run: `repeat:<id>:<ms>`.
    package static func taskId(schedule id: String, at millis: Int64) -> String { "repeat:\(id):\(millis)" }

    /// The run time in a run's task id, if it is one of schedule `id`'s.
    package static func time(inTaskId taskId: String, schedule id: String) -> Int64? {
        let prefix = "repeat:\(id):"
        guard taskId.hasPrefix(prefix) else { return nil }
        return Int64(taskId.dropFirst(prefix.count))
    }

    package var json: JSONValue {
        .object([
            "id": .string(scheduleId),
            "scheduled_at": .string(ISO8601.format(ScheduleTiming.date(scheduledAt))),
            "missed": .number(Double(missed)),
        ])
    }

    package init?(json: JSONValue?) {
        guard let json, let id = json["id"]?.stringValue, let date = json["scheduled_at"]?.stringValue.flatMap(ISO8601.parse) else { return nil }
        self.init(scheduleId: id, scheduledAt: Int64((date.timeIntervalSince1970 * 1000).rounded()), missed: json["missed"]?.intValue ?? 0)
    }
}
