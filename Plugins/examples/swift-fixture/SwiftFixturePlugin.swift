import Foundation
public import PluginKit

/// A Swift plugin that exercises every PluginKit path the tests check: async handlers through
/// `UVW_PENDING`, cancellation seen from Swift concurrency, progress and events, and the mapping
/// of thrown errors and bad parameters to ABI statuses. Not loaded by the repository's plugins.yaml.
final class SwiftFixturePlugin: Plugin {
    static let name = "swift-fixture"
    static let version = "1.0.0"
    static let description = "Test plugin for PluginKit"

    struct Nap: Decodable, Sendable {
        let ms: Int
        let events: Int?
        /// Lines to log for the task before sleeping ("line 0", "line 1", …; `long_line` adds one of that many bytes).
        let logs: Int?
        let longLine: Int?

        enum CodingKeys: String, CodingKey {
            case ms, events, logs
            case longLine = "long_line"
        }
    }

    struct HistoryParams: Decodable, Sendable {
        let conversation_id: String
        let message: String
    }

    struct Failure: Decodable, Sendable {
        let kind: String
    }

    let greeting: String

    struct Config: Decodable {
        let greeting: String?
    }

    init(config: PluginConfig, host: HostServices) throws {
        let decoded = try config.decode(Config.self)
        if decoded.greeting == "refuse" { throw TaskError.permanent("greeting 'refuse' refused") }
        greeting = decoded.greeting ?? "hello"
        host.log(.info, "swift-fixture ready")
    }

    static var taskTypes: [TaskType<SwiftFixturePlugin>] {
        [
            // Sleeps with Swift concurrency, emitting events along the way; stops when cancelled.
            .async("swift_nap", schema: #"{"type":"object","required":["ms"],"properties":{"ms":{"type":"integer","minimum":0},"events":{"type":"integer","minimum":0},"logs":{"type":"integer","minimum":0},"long_line":{"type":"integer","minimum":0}}}"#,
                   flags: [.cancellable, .reportsProgress]) { (plugin: SwiftFixturePlugin, params: Nap, context: TaskContext) in
                for line in 0..<(params.logs ?? 0) { context.log(line % 2 == 0 ? .info : .warning, "line \(line)") }
                if let long = params.longLine { context.log(.error, String(repeating: "é", count: long / 2)) }
                let steps = max(params.events ?? 1, 1)
                for step in 0..<steps {
                    try await Task.sleep(for: .milliseconds(params.ms / steps))
                    try context.checkCancellation()
                    context.emit("fixture.tick", payloadJSON: #"{"step":\#(step)}"#)
                    context.progress(Double(step + 1) / Double(steps))
                }
                return ["greeting": plugin.greeting, "slept_ms": "\(params.ms)"]
            },
            // Chat-like use of the host's store services through invoke: appends the user's
            // message, reads the history, appends a reply that counts it.
            .sync("swift_history", schema: #"{"type":"object","required":["conversation_id","message"]}"#) {
                (_: SwiftFixturePlugin, params: HistoryParams, context: TaskContext) -> [String: String] in
                try exchange(params) { method, request in try context.invoke(method, request: request) }
            },
            // The same from an async handler, through `await invoke` (the ABI's invoke_async):
            // no thread of the cooperative pool waits while the host answers.
            .async("swift_history_async", schema: #"{"type":"object","required":["conversation_id","message"]}"#) {
                (_: SwiftFixturePlugin, params: HistoryParams, context: TaskContext) -> [String: String] in
                let id = JSONValue.string(params.conversation_id)
                _ = try await context.invoke("store.messages.append", request: ["conversation_id": id, "role": "user", "content": .string(params.message)])
                let history = try await context.invoke("store.messages.list", request: ["conversation_id": id, "limit": 1000])
                let count = history["messages"]?.arrayValue?.count ?? -1
                let reply = try await context.invoke("store.messages.append", request: [
                    "conversation_id": id, "role": "assistant", "content": .string("heard \(count) message(s)"), "metadata": ["model": "fixture"],
                ])
                return ["message_id": reply["message"]?["message_id"]?.stringValue ?? "", "content": reply["message"]?["content"]?.stringValue ?? ""]
            },
            // What the task knows about itself (ABI 1.3's task info), as PluginKit reads it.
            .sync("swift_info", schema: nil) { (_: SwiftFixturePlugin, _: JSONValue, context: TaskContext) -> JSONValue in
                guard let info = context.info else { throw TaskError.permanent("the host has no task_info") }
                return [
                    "attempt": .number(Double(info.attempt)), "max_attempts": .number(Double(info.maxAttempts)),
                    "task_id": .string(info.taskId), "task_type": .string(info.taskType), "queue": .string(info.queue),
                    "has_monotonic_deadline": .bool(context.monotonicDeadlineNanoseconds != nil),
                    "seconds_left_positive": .bool((context.secondsLeft ?? 0) > 0),
                ]
            },
            // A flow's parent: what its children left it (job.children_values, job.failed_children),
            // and the total of their `sum` or `total` results.
            .sync("swift_gather", schema: nil) { (_: SwiftFixturePlugin, _: JSONValue, context: TaskContext) -> JSONValue in
                let children = try context.invoke("job.children_values", request: [:])
                let failed = try context.invoke("job.failed_children", request: [:])
                let total = (children.objectValue ?? [:]).values.reduce(0.0) { $0 + ($1["sum"]?.doubleValue ?? $1["total"]?.doubleValue ?? 0) }
                return ["children": children, "failed": failed, "total": .number(total)]
            },
            // Does nothing: what a PluginKit call costs (the plugin-call benchmark).
            .sync("swift_noop", schema: nil) { (_: SwiftFixturePlugin, _: [String: Int], _: TaskContext) -> Bool in true },
            // Throws the requested kind of error.
            .sync("swift_fail", schema: nil) { (_: SwiftFixturePlugin, params: Failure, _: TaskContext) -> [String: String] in
                switch params.kind {
                case "retryable": throw TaskError.retryable("try again later")
                case "permanent": throw TaskError.permanent("never works")
                default: throw CocoaError(.fileNoSuchFile)
                }
            }
            .selfTest(params: #"{"kind":"permanent"}"#, failsWith: .permanent, containing: "never works"),
        ]
    }
}

/// The swift_history exchange with a given way of calling the host.
private func exchange(_ params: SwiftFixturePlugin.HistoryParams, _ call: (String, JSONValue) throws -> JSONValue) throws -> [String: String] {
    let id = JSONValue.string(params.conversation_id)
    _ = try call("store.messages.append", ["conversation_id": id, "role": "user", "content": .string(params.message)])
    let history = try call("store.messages.list", ["conversation_id": id, "limit": 1000])
    let count = history["messages"]?.arrayValue?.count ?? -1
    let reply = try call("store.messages.append", [
        "conversation_id": id, "role": "assistant", "content": .string("heard \(count) message(s)"), "metadata": ["model": "fixture"],
    ])
    return ["message_id": reply["message"]?["message_id"]?.stringValue ?? "", "content": reply["message"]?["content"]?.stringValue ?? ""]
}

@_cdecl("uvw_plugin_entry_v1")
public func uvw_plugin_entry_v1() -> UnsafePointer<uvw_plugin_v1> {
    PluginExport.descriptor(for: SwiftFixturePlugin.self)
}
