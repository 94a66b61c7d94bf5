import Foundation
import JSON
/// Per-job options of `POST /execute`'s `options` object.
package struct JobOptions: Sendable, Equatable {
    /// Total tries, the first included (BullMQ's `attempts`).
    package var attempts: Int = 1
    package var backoff: Backoff = .none
    package var delayMs: Int = 0
    /// 0 = no priority (runs first); otherwise 1 is the highest, as in BullMQ.
    package var priority: Int = 0
    /// nil = the plugin's `timeout_s`, else `MAX_TASK_TIMEOUT`.
    package var timeoutSeconds: Double?
    package var idempotencyKey: String?
    /// Where the task's final record is POSTed when it ends (besides `N8N_WEBHOOK_URL`).
    package var callbackURL: String?
    /// The schedule that made the task, when one did: kept with the task's options in the store,
    /// never read from a request.
    package var schedule: ScheduleRun?

    package init() {}

    /// The options as the store keeps them (`json`): the schedule run besides what a request may
    /// give; a value the request parser refuses is dropped rather than losing the rest.
    package init(stored json: JSONValue) {
        var request = json
        if case .object(var fields) = json {
            schedule = ScheduleRun(json: fields.removeValue(forKey: "schedule"))
            request = .object(fields)
        }
        let schedule = self.schedule
        self = (try? JobOptions(json: request)) ?? JobOptions()
        self.schedule = schedule
    }

    package struct Invalid: Error, Sendable {
        package let field: String
        package let message: String
    }

    /// Reads the options object, naming the field of the first bad value.
    package init(json: JSONValue?) throws(Invalid) {
        guard let json, !json.isNull else { return }
        guard case .object(let fields) = json else { throw Invalid(field: "options", message: "must be an object") }
        let known: Set<String> = ["attempts", "backoff", "delay_ms", "priority", "timeout_s", "idempotency_key", "callback_url"]
        if let unknown = fields.keys.sorted().first(where: { !known.contains($0) }) {
            throw Invalid(field: "options.\(unknown)", message: "is not a known option (\(known.sorted().joined(separator: ", ")))")
        }
        if let value = fields["attempts"] {
            guard let n = value.intValue, (1...1000).contains(n) else { throw Invalid(field: "options.attempts", message: "must be an integer from 1 to 1000") }
            attempts = n
        }
        if let value = fields["delay_ms"] {
            guard let n = value.intValue, n >= 0, n <= 366 * 86_400_000 else { throw Invalid(field: "options.delay_ms", message: "must be a non-negative integer (ms, at most a year)") }
            delayMs = n
        }
        if let value = fields["priority"] {
            // BullMQ's limit: priorities are packed into a score with 2^21 levels.
            guard let n = value.intValue, (0...2_097_152).contains(n) else { throw Invalid(field: "options.priority", message: "must be an integer from 0 to 2097152 (1 is the highest; 0 means none)") }
            priority = n
        }
        if let value = fields["timeout_s"] {
            guard let n = value.doubleValue, n > 0, n.isFinite else { throw Invalid(field: "options.timeout_s", message: "must be a positive number of seconds") }
            timeoutSeconds = n
        }
        if let value = fields["idempotency_key"] {
            guard let key = value.stringValue, !key.isEmpty, key.utf8.count <= 256 else { throw Invalid(field: "options.idempotency_key", message: "must be a non-empty string of at most 256 bytes") }
            idempotencyKey = key
        }
        if let value = fields["callback_url"], !value.isNull {
            guard let url = value.stringValue, url.utf8.count <= 2048, url.hasPrefix("https://") || url.hasPrefix("http://"),
                  let parsed = URL(string: url), parsed.host?.isEmpty == false else {
                throw Invalid(field: "options.callback_url", message: "must be an http:// or https:// URL of at most 2048 bytes")
            }
            callbackURL = url
        }
        if let value = fields["backoff"] {
            backoff = try Self.backoff(value)
        }
    }

    private static func backoff(_ value: JSONValue) throws(Invalid) -> Backoff {
        // BullMQ accepts a number (fixed delay) or {type, delay, jitter}.
        if let delay = value.intValue {
            guard delay >= 0 else { throw Invalid(field: "options.backoff", message: "must be a non-negative delay in ms") }
            return Backoff(kind: .fixed, delayMs: delay)
        }
        guard case .object(let fields) = value else { throw Invalid(field: "options.backoff", message: "must be a number of ms or {\"type\": \"fixed\"|\"exponential\", \"delay\": ms}") }
        guard let type = fields["type"]?.stringValue, let kind = Backoff.Kind(rawValue: type) else {
            throw Invalid(field: "options.backoff.type", message: "must be \"fixed\" or \"exponential\"")
        }
        let delay = fields["delay"] ?? fields["delay_ms"] ?? .number(0)
        guard let ms = delay.intValue, ms >= 0 else { throw Invalid(field: "options.backoff.delay", message: "must be a non-negative integer (ms)") }
        var jitter = 0.0
        if let value = fields["jitter"] {
            guard let j = value.doubleValue, (0...1).contains(j) else { throw Invalid(field: "options.backoff.jitter", message: "must be a number from 0 to 1") }
            jitter = j
        }
        return Backoff(kind: kind, delayMs: ms, jitter: jitter)
    }

    /// The options as JSON, for the task record.
    package var json: JSONValue {
        var fields: [String: JSONValue] = [
            "attempts": .number(Double(attempts)),
            "delay_ms": .number(Double(delayMs)),
            "priority": .number(Double(priority)),
            "backoff": .object(["type": .string(backoff.kind.rawValue), "delay": .number(Double(backoff.delayMs)), "jitter": .number(backoff.jitter)]),
        ]
        if let timeoutSeconds { fields["timeout_s"] = .number(timeoutSeconds) }
        if let idempotencyKey { fields["idempotency_key"] = .string(idempotencyKey) }
        if let callbackURL { fields["callback_url"] = .string(callbackURL) }
        if let schedule { fields["schedule"] = schedule.json }
        return .object(fields)
    }
}
