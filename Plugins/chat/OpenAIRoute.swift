import Foundation
import PluginKit

/// `mode: openai`: POST `/openai/v1/chat/completions`, streamed (SSE, each delta a `chat.token`
/// event in order) or not.
struct OpenAIRoute {
    let client: RunPodClient
    let exchange: ChatExchange

    func complete(_ messages: [[String: String]], model: String, stream: Bool) throws -> RunPodReply {
        var body: [String: JSONValue] = ["model": .string(model), "messages": Self.json(messages), "stream": .bool(stream)]
        if let temperature = exchange.params.temperature { body["temperature"] = .number(temperature) }
        if let maxTokens = exchange.params.max_tokens { body["max_tokens"] = .number(Double(maxTokens)) }
        guard stream else {
            let response = try client.send("POST", "/openai/v1/chat/completions", json: .object(body))
            guard let object = try? JSONValue.parse(response.body), let reply = RunPodOutput(object) else {
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
        _ = try client.send("POST", "/openai/v1/chat/completions", json: .object(body)) { chunk in
            for data in parser.feed(chunk) where !done {
                if data == "[DONE]" {
                    done = true
                    break
                }
                guard let object = try? JSONValue.parse(data.utf8), object.objectValue != nil else { continue }
                model = object["model"]?.stringValue ?? model
                if let raw = object["usage"]?.objectValue { usage = RunPodOutput.usage(raw) }
                guard let choice = object["choices"]?[0] else { continue }
                if let token = choice["delta"]?["content"]?.stringValue, !token.isEmpty {
                    content += token
                    exchange.context.emit("chat.token", payload: [
                        "conversation_id": .string(exchange.conversationId), "index": .number(Double(index)), "token": .string(token),
                    ])
                    index += 1
                }
                finish = choice["finish_reason"]?.stringValue ?? finish
            }
        }
        if exchange.context.isCancelled { throw TaskError(.cancelled, "cancelled") }
        guard done || finish != nil else {
            throw TaskError.retryable("the RunPod stream ended before it finished (\(index) tokens received)")
        }
        return RunPodReply(content: content, usage: usage, model: model, finishReason: finish)
    }

    /// Chat messages as the JSON array both routes send.
    static func json(_ messages: [[String: String]]) -> JSONValue {
        .array(messages.map { message in .object(message.mapValues { .string($0) }) })
    }
}
