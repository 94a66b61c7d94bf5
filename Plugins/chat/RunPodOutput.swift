import Foundation

/// The reply in a RunPod job's `output`, whichever worker produced it
/// (reference/runpod-api.md: the three shapes).
struct RunPodOutput {
    var content: String
    var usage: [String: Int]
    var finishReason: String?
    var model: String?

    /// Reads `output`: a list (vLLM workers, one element or stream chunks) or an object.
    init?(_ output: Any?) {
        let parts: [Any]
        if let list = output as? [Any] { parts = list } else if let output { parts = [output] } else { return nil }
        var content = ""
        var usage: [String: Int] = [:]
        var finish: String?
        var model: String?
        var found = false
        for case let part as [String: Any] in parts {
            if let choices = part["choices"] as? [[String: Any]], let choice = choices.first {
                found = true
                if let message = choice["message"] as? [String: Any], let text = message["content"] as? String {
                    content += text                                   // shape 2: chat.completion
                } else if let delta = choice["delta"] as? [String: Any], let text = delta["content"] as? String {
                    content += text                                   // shape 2 streamed
                } else if let text = choice["text"] as? String {
                    content += text
                } else if let tokens = choice["tokens"] as? [String] {
                    content += tokens.joined()                        // shape 1: worker-vllm ≤ 0.15
                }
                finish = (choice["finish_reason"] as? String) ?? finish
            } else if let text = part["text"] as? [String] {
                found = true
                content += text.joined()                              // shape 3: generic
            } else if let text = part["text"] as? String {
                found = true
                content += text
            }
            model = (part["model"] as? String) ?? model
            if let raw = part["usage"] as? [String: Any] { usage = Self.usage(raw) }
            if let input = part["input_tokens"] as? Int { usage["prompt_tokens"] = input }
            if let output = part["output_tokens"] as? Int { usage["completion_tokens"] = output }
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
    static func usage(_ raw: [String: Any]) -> [String: Int] {
        var usage: [String: Int] = [:]
        for (key, value) in raw {
            guard let number = value as? Int else { continue }
            switch key {
            case "input": usage["prompt_tokens"] = number
            case "output": usage["completion_tokens"] = number
            default: usage[key] = number
            }
        }
        return usage
    }
}
