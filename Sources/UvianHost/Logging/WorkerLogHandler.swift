import Foundation
import JSON
package import Logging
import Synchronization

/// swift-log handler writing one line per message to stderr: JSON objects (`LOG_FORMAT=json`,
/// for log shippers) or readable text (`console`). Messages are constant; data is in metadata.
package struct WorkerLogHandler: LogHandler {
    package enum Format: String, Sendable { case json, console }

    package var metadata: Logger.Metadata = [:]
    package var logLevel: Logger.Level
    let label: String
    let format: Format

    /// One lock for all handlers, so lines from different threads never interleave.
    private static let output = Mutex(())

    package init(label: String, format: Format, level: Logger.Level) {
        self.label = label
        self.format = format
        self.logLevel = level
    }

    /// Installs the handler for the whole process (the executable calls this once).
    package static func bootstrap(format: Format, level: Logger.Level) {
        LoggingSystem.bootstrap { label in WorkerLogHandler(label: label, format: format, level: level) }
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let line: String
        switch format {
        case .json:
            var object: [String: JSONValue] = [
                "timestamp": .string(ISO8601.format(Date())),
                "level": .string(event.level.rawValue),
                "message": .string(event.message.description),
                "logger": .string(label),
            ]
            for (key, value) in merged { object[key] = Self.json(value) }
            line = JSONValue.object(object).serialized()
        case .console:
            let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            line = "\(ISO8601.format(Date())) \(event.level.rawValue.uppercased()) \(event.message)" + (fields.isEmpty ? "" : " " + fields)
        }
        Self.output.withLock { _ in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }

    private static func json(_ value: Logger.MetadataValue) -> JSONValue {
        switch value {
        case .string(let s): .string(s)
        case .stringConvertible(let s): .string(s.description)
        case .array(let items): .array(items.map(json))
        case .dictionary(let fields): .object(fields.mapValues(json))
        }
    }
}
