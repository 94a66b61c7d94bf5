import Foundation
import PluginKit

/// `mode: openai`: POST `/openai/v1/chat/completions`, streamed (SSE, each delta a `chat.token`
/// event in order) or not.
struct OpenAIRoute {
    let client: RunPodClient
    let exchange: ChatExchange

    func complete(_ messages: [[String: String]], model: String, stream: Bool) throws -> RunPodReply {
        var body: [String: Any] = ["model": model, "messages": messages, "stream": stream]
        if let temperature = exchange.params.temperature { body["temperature"] = temperature }
        if let maxTokens = exchange.params.max_tokens { body["max_tokens"] = maxTokens }
        guard stream else {
            let response = try client.send("POST", "/openai/v1/chat/completions", json: body)
            let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
            guard let object, let reply = RunPodOutput(object) else {
                throw TaskError.retryable("RunPod sent a chat completion that cannot be read: \(client.redact(String(response.text.prefix(200))))")
            }
            return RunPodReply(content: reply.content, usage: reply.usage, model: reply.model, finishReason: reply.finishReason)
        }
        body["stream_options"] = ["include_usage": true]
        var parser = SSEParser()
        var content = ""
        var index = 0
        var usage: [String: Int] = [:]
        var finish: String?
        var model: String?
        var done = false
        _ = try client.send("POST", "/openai/v1/chat/completions", json: body) { chunk in
            for data in parser.feed(chunk) where !done {
                if data == "[DONE]" {
                    done = true
                    break
                }
                guard let object = (try? JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any] else { continue }
                model = (object["model"] as? String) ?? model
                if let raw = object["usage"] as? [String: Any] { usage = RunPodOutput.usage(raw) }
                guard let choice = (object["choices"] as? [[String: Any]])?.first else { continue }
                if let token = (choice["delta"] as? [String: Any])?["content"] as? String, !token.isEmpty {
                    content += token
                    exchange.emit("chat.token", ["conversation_id": exchange.conversationId, "index": index, "token": token])
                    index += 1
                }
                finish = (choice["finish_reason"] as? String) ?? finish
            }
        }
        if exchange.context.isCancelled { throw TaskError(.cancelled, "cancelled") }
        guard done || finish != nil else {
            throw TaskError.retryable("the RunPod stream ended before it finished (\(index) tokens received)")
        }
        return RunPodReply(content: content, usage: usage, model: model, finishReason: finish)
    }
}
