import PluginKit

/// The reply in a RunPod job's `output`, whichever worker produced it
/// (reference/runpod-api.md: the three shapes).
struct RunPodOutput {
    var content: String
    var usage: [String: Int]
    var finishReason: String?
    var model: String?

    /// Reads `output`: a list (vLLM workers, one element or stream chunks) or an object.
    init?(_ output: JSONValue?) {
        let parts: [JSONValue]
        if let list = output?.arrayValue { parts = list } else if let output { parts = [output] } else { return nil }
        var content = ""
        var usage: [String: Int] = [:]
        var finish: String?
        var model: String?
        var found = false
        for part in parts where part.objectValue != nil {
            if let choice = part["choices"]?[0], choice.objectValue != nil {
                found = true
                if let text = choice["message"]?["content"]?.stringValue {
                    content += text                                   // shape 2: chat.completion
                } else if let text = choice["delta"]?["content"]?.stringValue {
                    content += text                                   // shape 2 streamed
                } else if let text = choice["text"]?.stringValue {
                    content += text
                } else if let tokens = Self.strings(choice["tokens"]) {
                    content += tokens.joined()                        // shape 1: worker-vllm ≤ 0.15
                }
                finish = choice["finish_reason"]?.stringValue ?? finish
            } else if let text = Self.strings(part["text"]) {
                found = true
                content += text.joined()                              // shape 3: generic
            } else if let text = part["text"]?.stringValue {
                found = true
                content += text
            }
            model = part["model"]?.stringValue ?? model
            if let raw = part["usage"]?.objectValue { usage = Self.usage(raw) }
            if let input = part["input_tokens"]?.intValue { usage["prompt_tokens"] = input }
            if let output = part["output_tokens"]?.intValue { usage["completion_tokens"] = output }
        }
        guard found else { return nil }
        if let prompt = usage["prompt_tokens"], let completion = usage["completion_tokens"], usage["total_tokens"] == nil {
            usage["total_tokens"] = prompt + completion
        }
        self.content = content
        self.usage = usage
        self.finishReason = finish
        self.model = model
    }

    /// OpenAI's names, also for shape 1's `{"input", "output"}`.
    static func usage(_ raw: [String: JSONValue]) -> [String: Int] {
        var usage: [String: Int] = [:]
        for (key, value) in raw {
            guard let number = value.intValue else { continue }
            switch key {
            case "input": usage["prompt_tokens"] = number
            case "output": usage["completion_tokens"] = number
            default: usage[key] = number
            }
        }
        return usage
    }

    /// An array whose elements are all strings.
    private static func strings(_ value: JSONValue?) -> [String]? {
        guard let items = value?.arrayValue else { return nil }
        let texts = items.compactMap(\.stringValue)
        return texts.count == items.count ? texts : nil
    }
}
