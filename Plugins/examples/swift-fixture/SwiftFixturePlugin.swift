import Foundation
import PluginKit

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
            .async("swift_nap", schema: #"{"type":"object","required":["ms"],"properties":{"ms":{"type":"integer","minimum":0},"events":{"type":"integer","minimum":0}}}"#,
                   flags: [.cancellable, .reportsProgress]) { (plugin: SwiftFixturePlugin, params: Nap, context: TaskContext) in
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
                func call(_ method: String, _ request: [String: Any]) throws -> [String: Any] {
                    let body = String(decoding: try JSONSerialization.data(withJSONObject: request), as: UTF8.self)
                    let reply = try context.invoke(method, requestJSON: body)
                    return (try JSONSerialization.jsonObject(with: Data(reply.utf8)) as? [String: Any]) ?? [:]
                }
                _ = try call("store.messages.append", ["conversation_id": params.conversation_id, "role": "user", "content": params.message])
                let history = try call("store.messages.list", ["conversation_id": params.conversation_id, "limit": 1000])
                let count = (history["messages"] as? [Any])?.count ?? -1
                let reply = try call("store.messages.append", [
                    "conversation_id": params.conversation_id, "role": "assistant",
                    "content": "heard \(count) message(s)", "metadata": ["model": "fixture"],
                ])
                let message = reply["message"] as? [String: Any]
                return ["message_id": message?["message_id"] as? String ?? "", "content": message?["content"] as? String ?? ""]
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
            },
        ]
    }
}

@_cdecl("uvw_plugin_entry_v1")
public func uvw_plugin_entry_v1() -> UnsafePointer<uvw_plugin_v1> {
    PluginExport.descriptor(for: SwiftFixturePlugin.self)
}
