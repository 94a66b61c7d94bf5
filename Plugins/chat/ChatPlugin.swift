import Foundation
public import PluginKit

/// The `chat` plugin: answers a conversation through an LLM on RunPod. History comes from the
/// host's store through `invoke`, the reply is stored the same way, and a streamed reply is
/// published token by token as `chat.token` events.
final class ChatPlugin: Plugin {
    static let name = "chat"
    static let version = "1.0.0"
    static let description = "Chat completions through RunPod (OpenAI-compatible route or queued jobs), streamed as events"

    static let paramsSchema = #"""
    {"type":"object","additionalProperties":false,"required":["conversation_id"],
     "properties":{
       "conversation_id":{"type":"string","minLength":1},
       "message":{"type":"string","minLength":1},
       "system_prompt":{"type":"string"},
       "model":{"type":"string","minLength":1},
       "temperature":{"type":"number","minimum":0,"maximum":2},
       "max_tokens":{"type":"integer","minimum":1,"maximum":131072},
       "stream":{"type":"boolean"}}}
    """#

    static var taskTypes: [TaskType<ChatPlugin>] {
        [
            .sync("chat", schema: paramsSchema,
                  description: "answer a conversation: history from the store, reply from RunPod, stored and streamed",
                  flags: [.cancellable, .blocking]) { (plugin: ChatPlugin, params: ChatParams, context: TaskContext) in
                try ChatExchange(config: plugin.config, params: params, context: context).run()
            }
        ]
    }

    let config: ChatConfig

    init(config: PluginConfig, host: HostServices) throws {
        self.config = try ChatConfig(config)
        if let missing = self.config.missingSetting { host.log(.warning, missing) }
    }
}

struct ChatParams: Decodable, Sendable {
    var conversation_id: String
    var message: String?
    var system_prompt: String?
    var model: String?
    var temperature: Double?
    var max_tokens: Int?
    var stream: Bool?
}

/// The task's result: `{"message_id", "content", "usage", "model", "finish_reason"}`.
struct ChatResult: Encodable {
    var message_id: String
    var content: String
    var usage: [String: Int]
    var model: String
    var finish_reason: String?
}

@_cdecl("uvw_plugin_entry_v1")
public func uvw_plugin_entry_v1() -> UnsafePointer<uvw_plugin_v1> {
    PluginExport.descriptor(for: ChatPlugin.self)
}
