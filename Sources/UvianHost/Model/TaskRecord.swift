package import Foundation
import JSON

/// A task as the store keeps it and `GET /task/{id}` shows it.
package struct TaskRecord: Sendable, Equatable {
    package var id: String
    package var queue: String
    package var taskType: String
    package var status: TaskStatus
    package var parameters: JSONValue
    package var options: JobOptions
    package var result: JSONValue?
    package var error: String?
    package var progress: Double = 0
    /// Attempts started so far.
    package var attempts: Int = 0
    package var createdAt: Date
    package var startedAt: Date?
    package var finishedAt: Date?
    package var updatedAt: Date
    /// When a pending task will next run (delay or retry backoff), if later than now.
    package var runAt: Date?
    package var workerId: String?
    /// The flow parent's task id, for a child of a flow.
    package var parentId: String?

    package init(id: String, queue: String, taskType: String, parameters: JSONValue, options: JobOptions, createdAt: Date = Date()) {
        self.id = id
        self.queue = queue
        self.taskType = taskType
        self.status = .pending
        self.parameters = parameters
        self.options = options
        self.createdAt = createdAt
        self.updatedAt = createdAt
        if options.delayMs > 0 { runAt = createdAt.addingTimeInterval(Double(options.delayMs) / 1000) }
    }
}

/// RFC 3339 timestamps with milliseconds, UTC.
package enum ISO8601 {
    /// Made once: building the style cost as much as formatting with it.
    private static let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// An RFC 3339 time, with fractional seconds or without (nil: not one).
    package static func parse(_ text: String) -> Date? {
        (try? Date(text, strategy: style)) ?? (try? Date(text, strategy: .iso8601))
    }
    /// yyyy-MM-ddTHH:mm:ss.SSSZ: each field's width and the separator after it.
    private static let layout: [(width: Int, separator: UInt8)] = [(4, 45), (2, 45), (2, 84), (2, 58), (2, 58), (2, 46), (3, 90)]

    /// `2026-11-26T10:29:52.123Z`, as the style writes it. Written here from `gmtime_r` for the
    /// years 0–9999: the style's calendar arithmetic was a visible share of a no-op job's CPU (its
    /// events and its record carry several timestamps). Other years go to the style.
    package static func format(_ date: Date) -> String {
        // From the date's own value (seconds since 2001), whole seconds and the fraction apart,
        // as the style does: going through 1970 first moves some milliseconds by one.
        let sinceReference = date.timeIntervalSinceReferenceDate
        let whole = sinceReference.rounded(.down)
        guard abs(whole) < 1e12 else { return style.format(date) }
        var seconds = time_t(whole) + 978_307_200
        var parts = tm()
        guard gmtime_r(&seconds, &parts) != nil, (-1900...8099).contains(parts.tm_year) else { return style.format(date) }
        let fields = [Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min),
                      Int(parts.tm_sec), min(Int((sinceReference - whole) * 1000), 999)]
        return String(unsafeUninitializedCapacity: 24) { buffer in
            var position = 0
            for (value, field) in zip(fields, Self.layout) {
                var rest = value
                for offset in stride(from: field.width - 1, through: 0, by: -1) {
                    buffer[position + offset] = UInt8(ascii: "0") + UInt8(rest % 10)
                    rest /= 10
                }
                buffer[position + field.width] = field.separator
                position += field.width + 1
            }
            return position
        }
    }
}
