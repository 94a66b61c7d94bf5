import Foundation
import PluginKit

/// One chat task: load the conversation, add the user's message, send the history window to
/// RunPod, store and return the assistant's reply.
struct ChatExchange {
    let config: ChatConfig
    let params: ChatParams
    let context: TaskContext

    var conversationId: String { params.conversation_id }

    func run() throws -> ChatResult {
        if let missing = config.missingSetting { throw TaskError.permanent(missing) }
        let conversation = try call("store.conversation.get", ["conversation_id": conversationId])
        guard conversation["conversation"] is [String: Any] else {
            throw TaskError.invalidParams("no conversation with id \(conversationId)")
        }
        var history = try messages()
        if let message = params.message {
            // A retried task finds its message already stored as the newest one: not again.
            let last = history.last
            if !(last?["role"] as? String == "user" && last?["content"] as? String == message) {
                let stored = try call("store.messages.append", ["conversation_id": conversationId, "role": "user", "content": message])
                history.append((stored["message"] as? [String: Any]) ?? ["role": "user", "content": message])
            }
        }
        let prompt = window(history)
        guard !prompt.isEmpty else { throw TaskError.invalidParams("conversation \(conversationId) has no messages to answer") }
        context.progress(0.1)

        let model = params.model ?? config.model
        let reply: RunPodReply
        switch config.mode {
        case .openai:
            reply = try OpenAIRoute(client: client, exchange: self).complete(prompt, model: model, stream: params.stream ?? true)
        case .job:
            reply = try JobRoute(client: client, exchange: self).complete(prompt, model: model)
        }
        let usedModel = reply.model ?? model
        var metadata: [String: Any] = ["model": usedModel, "usage": reply.usage, "mode": config.mode.rawValue]
        if let finish = reply.finishReason { metadata["finish_reason"] = finish }
        let stored = try call("store.messages.append", [
            "conversation_id": conversationId, "role": "assistant", "content": reply.content, "metadata": metadata,
        ])
        guard let message = stored["message"] as? [String: Any], let messageId = (message["message_id"] ?? message["id"]) as? String else {
            throw TaskError(.internal, "the store did not return the stored message")
        }
        let result = ChatResult(message_id: messageId, content: reply.content, usage: reply.usage, model: usedModel,
                                finish_reason: reply.finishReason)
        emit("chat.completed", [
            "conversation_id": conversationId, "message_id": messageId, "content": reply.content, "usage": reply.usage,
            "model": usedModel, "finish_reason": reply.finishReason ?? NSNull(),
        ])
        context.progress(1)
        return result
    }

    var client: RunPodClient { RunPodClient(config: config, context: context) }

    /// The newest `history_messages`, then the oldest dropped until `history_chars` fits (the
    /// newest message always stays), in the OpenAI shape; the system prompt first.
    func window(_ history: [[String: Any]]) -> [[String: String]] {
        var chosen: [[String: String]] = history.suffix(config.historyMessages).compactMap { message in
            guard let role = message["role"] as? String, let content = message["content"] as? String else { return nil }
            return ["role": role, "content": content]
        }
        if let limit = config.historyChars {
            var total = chosen.reduce(0) { $0 + ($1["content"]?.count ?? 0) }
            while chosen.count > 1 && total > limit {
                total -= chosen.removeFirst()["content"]?.count ?? 0
            }
        }
        if let system = params.system_prompt ?? config.systemPrompt {
            chosen.insert(["role": "system", "content": system], at: 0)
        }
        return chosen
    }

    private func messages() throws -> [[String: Any]] {
        let listed = try call("store.messages.list", ["conversation_id": conversationId, "limit": min(config.historyMessages + 1, 1000)])
        return listed["messages"] as? [[String: Any]] ?? []
    }

    /// A host service call; its JSON reply as a dictionary.
    func call(_ method: String, _ request: [String: Any]) throws -> [String: Any] {
        let body = String(decoding: try JSONSerialization.data(withJSONObject: request), as: UTF8.self)
        let reply = try context.invoke(method, requestJSON: body)
        return (try? JSONSerialization.jsonObject(with: Data(reply.utf8))) as? [String: Any] ?? [:]
    }

    func emit(_ event: String, _ payload: [String: Any]) {
        guard let data = try? JSONSerialization.data(withJSONObject: payload) else { return }
        context.emit(event, payloadJSON: String(decoding: data, as: UTF8.self))
    }
}

/// What RunPod answered, in one shape for both routes.
struct RunPodReply {
    var content: String
    var usage: [String: Int]
    var model: String?
    var finishReason: String?
}
