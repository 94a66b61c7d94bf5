package import Foundation
package import JSON
import Cron

/// A job that recurs (BullMQ's job scheduler, Celery beat's entry): a task type, its parameters
/// and options, and when it runs — every so many milliseconds or on a cron expression in a time
/// zone — between optional start and end dates, for at most `limit` runs.
package struct Schedule: Sendable, Equatable {
    package var id: String
    package var taskType: String
    package var parameters: JSONValue
    package var options: JobOptions
    package var timing: ScheduleTiming

    package init(id: String, taskType: String, parameters: JSONValue, options: JobOptions, timing: ScheduleTiming) {
        self.id = id
        self.taskType = taskType
        self.parameters = parameters
        self.options = options
        self.timing = timing
    }

    /// A field of a schedule that cannot be used, named as the request spells it.
    package struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        package let field: String
        package let message: String
        package var description: String { "\(field) \(message)" }
    }

    /// Ids end up in BullMQ's keys (`repeat:<id>`) and job ids (`repeat:<id>:<ms>`): no colon,
    /// nothing a URL path would need to escape.
    package static func checkId(_ id: String) throws(Invalid) {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
        guard !id.isEmpty, id.count <= 128, id.allSatisfy({ allowed.contains($0) }) else {
            throw Invalid(field: "id", message: "must be 1 to 128 letters, digits, '-', '_' or '.'")
        }
    }

    /// Reads a schedule as `PUT /schedules/{id}` and schedule files give it, naming the first bad field.
    package init(id: String, json: JSONValue) throws(Invalid) {
        try Self.checkId(id)
        guard case .object(let fields) = json else { throw Invalid(field: "body", message: "must be a JSON object") }
        let known: Set<String> = ["id", "task_type", "parameters", "options", "every", "offset", "cron", "tz", "start_date", "end_date", "limit"]
        if let unknown = fields.keys.sorted().first(where: { !known.contains($0) }) {
            throw Invalid(field: unknown, message: "is not a field of a schedule (\(known.sorted().joined(separator: ", ")))")
        }
        if let given = fields["id"], given.stringValue != id {
            throw Invalid(field: "id", message: "differs from the id in the path")
        }
        guard let taskType = fields["task_type"]?.stringValue, !taskType.isEmpty else {
            throw Invalid(field: "task_type", message: "is required (a string)")
        }
        let parameters = fields["parameters"] ?? .object([:])
        guard case .object = parameters else { throw Invalid(field: "parameters", message: "must be an object") }
        let options: JobOptions
        do {
            options = try JobOptions(json: fields["options"])
        } catch {
            throw Invalid(field: error.field, message: error.message)
        }
        if options.idempotencyKey != nil {
            throw Invalid(field: "options.idempotency_key", message: "does not apply to a schedule: each run's id is made from the schedule's id and its time")
        }
        if options.delayMs != 0 {
            throw Invalid(field: "options.delay_ms", message: "does not apply to a schedule: use start_date or offset")
        }
        self.init(id: id, taskType: taskType, parameters: parameters, options: options, timing: try ScheduleTiming(json: fields))
    }

    /// Whether `stored` (the schedule as a backend gives it back) is this one: the offset a backend
    /// fixes for an `every` schedule given without one (BullMQ stores it) does not count.
    package func matches(stored: Schedule) -> Bool {
        var stored = stored
        if case .every(let ms, nil) = timing.trigger, case .every(ms, _) = stored.timing.trigger {
            stored.timing.trigger = .every(milliseconds: ms, offset: nil)
        }
        return stored == self
    }

    /// The schedule as the API shows it and schedule files write it.
    package var json: JSONValue {
        var fields: [String: JSONValue] = [
            "id": .string(id),
            "task_type": .string(taskType),
            "parameters": parameters,
            "options": options.json,
        ]
        for (key, value) in timing.json { fields[key] = value }
        return .object(fields)
    }
}

/// When a schedule runs.
package struct ScheduleTiming: Sendable, Equatable {
    package enum Trigger: Sendable, Equatable {
        /// Every `milliseconds`, on the slots `offset` past each multiple of it (BullMQ's `every`:
        /// without an offset, the first run is at once and fixes the offset).
        case every(milliseconds: Int64, offset: Int64?)
        /// A cron expression (5 or 6 fields) in an IANA time zone (nil: UTC).
        case cron(String, timeZone: String?)
    }

    package var trigger: Trigger
    /// Epoch milliseconds.
    package var startDate: Int64?
    package var endDate: Int64?
    /// Runs at most.
    package var limit: Int?

    package init(trigger: Trigger, startDate: Int64? = nil, endDate: Int64? = nil, limit: Int? = nil) {
        self.trigger = trigger
        self.startDate = startDate
        self.endDate = endDate
        self.limit = limit
    }

    /// Reads `every`/`offset` or `cron`/`tz`, `start_date`, `end_date` and `limit`.
    package init(json fields: [String: JSONValue]) throws(Schedule.Invalid) {
        switch (fields["every"], fields["cron"]) {
        case (.some, .some):
            throw Schedule.Invalid(field: "every", message: "and cron cannot both be given")
        case (nil, nil):
            throw Schedule.Invalid(field: "every", message: "or cron is required")
        case (.some(let every), nil):
            guard let ms = every.intValue, ms >= 1, ms <= 366 * 86_400_000 else {
                throw Schedule.Invalid(field: "every", message: "must be a whole number of milliseconds from 1 to a year")
            }
            var offset: Int64?
            if let value = fields["offset"] {
                guard let n = value.intValue, n >= 0, n < ms else {
                    throw Schedule.Invalid(field: "offset", message: "must be a whole number of milliseconds below every (\(ms))")
                }
                offset = Int64(n)
            }
            if fields["tz"] != nil { throw Schedule.Invalid(field: "tz", message: "applies to cron schedules only") }
            trigger = .every(milliseconds: Int64(ms), offset: offset)
        case (nil, .some(let cron)):
            guard let text = cron.stringValue else { throw Schedule.Invalid(field: "cron", message: "must be a string") }
            do {
                _ = try CronExpression(text)
            } catch {
                throw Schedule.Invalid(field: "cron", message: "is not a valid cron expression: \(error.description)")
            }
            var zone: String?
            if let value = fields["tz"] {
                guard let name = value.stringValue, TimeZone(identifier: name) != nil else {
                    throw Schedule.Invalid(field: "tz", message: "must be an IANA time zone name (e.g. Europe/Berlin)")
                }
                zone = name
            }
            if fields["offset"] != nil { throw Schedule.Invalid(field: "offset", message: "applies to every schedules only") }
            trigger = .cron(text, timeZone: zone)
        }
        startDate = try Self.date(fields["start_date"], field: "start_date")
        endDate = try Self.date(fields["end_date"], field: "end_date")
        if let startDate, let endDate, endDate <= startDate {
            throw Schedule.Invalid(field: "end_date", message: "must be after start_date")
        }
        if let value = fields["limit"] {
            guard let n = value.intValue, n >= 1 else { throw Schedule.Invalid(field: "limit", message: "must be a whole number of runs, at least 1") }
            limit = n
        }
    }

    /// An RFC 3339 time or epoch milliseconds.
    private static func date(_ value: JSONValue?, field: String) throws(Schedule.Invalid) -> Int64? {
        guard let value, !value.isNull else { return nil }
        if let ms = value.intValue, ms >= 0 { return Int64(ms) }
        if let date = value.stringValue.flatMap(ISO8601.parse) { return Int64((date.timeIntervalSince1970 * 1000).rounded()) }
        throw Schedule.Invalid(field: field, message: "must be an RFC 3339 time (2026-12-24T18:00:00Z) or epoch milliseconds")
    }

    package var json: [String: JSONValue] {
        var fields: [String: JSONValue] = [:]
        switch trigger {
        case .every(let ms, let offset):
            fields["every"] = .number(Double(ms))
            if let offset { fields["offset"] = .number(Double(offset)) }
        case .cron(let text, let zone):
            fields["cron"] = .string(text)
            if let zone { fields["tz"] = .string(zone) }
        }
        if let startDate { fields["start_date"] = .string(ISO8601.format(Self.date(startDate))) }
        if let endDate { fields["end_date"] = .string(ISO8601.format(Self.date(endDate))) }
        if let limit { fields["limit"] = .number(Double(limit)) }
        return fields
    }

    /// The instant of epoch milliseconds `ms`. Half a microsecond later: a Date keeps seconds as
    /// a Double, and a time written with its milliseconds truncated (RFC 3339 here) must not read
    /// one millisecond early.
    package static func date(_ ms: Int64) -> Date { Date(timeIntervalSince1970: (Double(ms) + 0.0005) / 1000) }
}
