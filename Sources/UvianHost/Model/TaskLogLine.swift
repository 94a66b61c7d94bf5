package import Foundation
import JSON

/// A line a plugin logged for a task (its `log` with the task), kept with the task: the newest
/// `maxPerTask`, each at most `maxBytes` (longer ones are cut and marked).
package struct TaskLogLine: Sendable, Equatable {
    package let at: Date
    package let level: String
    package let message: String

    package static let maxPerTask = 1000
    package static let maxBytes = 8192

    package init(at: Date, level: String, message: String) {
        self.at = at
        self.level = level
        // PostgreSQL's text holds no NUL.
        let message = message.contains("\u{0}") ? message.replacingOccurrences(of: "\u{0}", with: "") : message
        if message.utf8.count > Self.maxBytes {
            // Cut on a character boundary, within the limit with the marker.
            var cut = Substring(message.utf8.prefix(Self.maxBytes - 16)).description
            while cut.utf8.count > Self.maxBytes - 16 { cut.removeLast() }
            self.message = cut + " …[truncated]"
        } else {
            self.message = message
        }
    }

    var json: JSONValue {
        .object(["at": .string(ISO8601.format(at)), "level": .string(level), "message": .string(message)])
    }
}
