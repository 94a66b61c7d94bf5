import Foundation
import JSON

/// The schedules API of a worker: kept by the queue's backend, checked against the task type's
/// schema on the way in like a submitted job.
extension Worker {
    package enum ScheduleError: Error, Sendable {
        /// The queue's backend keeps no schedules.
        case unsupported
        case notFound(String)
    }

    private var scheduleBackend: any ScheduleBackend {
        get throws(ScheduleError) {
            guard let backend = queue as? any ScheduleBackend else { throw ScheduleError.unsupported }
            return backend
        }
    }

    /// Creates or replaces a schedule whose task type exists and accepts its parameters.
    package func upsertSchedule(_ schedule: Schedule) async throws -> ScheduleStatus {
        _ = try submitter.check(taskType: schedule.taskType, parameters: schedule.parameters)
        return try await scheduleBackend.upsertSchedule(schedule)
    }

    package func schedule(id: String) async throws -> ScheduleStatus? {
        try await scheduleBackend.schedule(id: id)
    }

    package func schedules() async throws -> [ScheduleStatus] {
        try await scheduleBackend.schedules()
    }

    package func removeSchedule(id: String) async throws -> Bool {
        try await scheduleBackend.removeSchedule(id: id)
    }

    /// Runs a schedule's task now, once, besides its runs (which keep their times); the task
    /// names the schedule.
    package func triggerSchedule(id: String) async throws -> TaskRecord {
        guard let status = try await scheduleBackend.schedule(id: id) else { throw ScheduleError.notFound(id) }
        let schedule = status.schedule
        var options = schedule.options
        let now = Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
        options.schedule = ScheduleRun(scheduleId: id, scheduledAt: now, missed: 0)
        return try await submit(taskType: schedule.taskType, parameters: schedule.parameters, options: options).0
    }
}
