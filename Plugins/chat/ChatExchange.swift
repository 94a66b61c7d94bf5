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
        let conversation = try call("store.conversation.get", ["conversation_id": .string(conversationId)])
        guard conversation["conversation"]?.objectValue != nil else {
            throw TaskError.invalidParams("no conversation with id \(conversationId)")
        }
        var history = try messages()
        if let message = params.message {
            // A retried task finds its message already stored as the newest one: not again.
            let last = history.last
            if !(last?["role"]?.stringValue == "user" && last?["content"]?.stringValue == message) {
                let stored = try call("store.messages.append", ["conversation_id": .string(conversationId), "role": "user", "content": .string(message)])
                history.append(stored["message"] ?? ["role": "user", "content": .string(message)])
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
        let usage = JSONValue.object(reply.usage.mapValues { .number(Double($0)) })
        var metadata: [String: JSONValue] = ["model": .string(usedModel), "usage": usage, "mode": .string(config.mode.rawValue)]
        if let finish = reply.finishReason { metadata["finish_reason"] = .string(finish) }
        let stored = try call("store.messages.append", [
            "conversation_id": .string(conversationId), "role": "assistant", "content": .string(reply.content), "metadata": .object(metadata),
        ])
        guard let message = stored["message"], let messageId = (message["message_id"] ?? message["id"])?.stringValue else {
            throw TaskError(.internal, "the store did not return the stored message")
        }
        let result = ChatResult(message_id: messageId, content: reply.content, usage: reply.usage, model: usedModel,
                                finish_reason: reply.finishReason)
        context.emit("chat.completed", payload: [
            "conversation_id": .string(conversationId), "message_id": .string(messageId), "content": .string(reply.content), "usage": usage,
            "model": .string(usedModel), "finish_reason": reply.finishReason.map { .string($0) } ?? .null,
        ])
        context.progress(1)
        return result
    }

    var client: RunPodClient { RunPodClient(config: config, context: context) }

    /// The newest `history_messages`, then the oldest dropped until `history_chars` fits (the
    /// newest message always stays), in the OpenAI shape; the system prompt first.
    func window(_ history: [JSONValue]) -> [[String: String]] {
        var chosen: [[String: String]] = history.suffix(config.historyMessages).compactMap { message in
            guard let role = message["role"]?.stringValue, let content = message["content"]?.stringValue else { return nil }
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

    private func messages() throws -> [JSONValue] {
        let listed = try call("store.messages.list", [
            "conversation_id": .string(conversationId), "limit": .number(Double(min(config.historyMessages + 1, 1000))),
        ])
        return listed["messages"]?.arrayValue ?? []
    }

    /// A host service call with its JSON reply.
    func call(_ method: String, _ request: JSONValue) throws -> JSONValue {
        try context.invoke(method, request: request)
    }
}

/// What RunPod answered, in one shape for both routes.
struct RunPodReply {
    var content: String
    var usage: [String: Int]
    var model: String?
    var finishReason: String?
}
