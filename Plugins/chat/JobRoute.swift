import Foundation
import PluginKit

/// `mode: job`: POST `/runsync`, then GET `/status/{id}` with backoff while the job is
/// `IN_QUEUE` or `IN_PROGRESS`. A cancelled or timed-out task cancels the RunPod job.
struct JobRoute {
    let client: RunPodClient
    let exchange: ChatExchange
    /// How long `/runsync` holds the request before answering with a job id to poll: short, so a
    /// cancel reaches `/cancel` within the host's grace period.
    static let runsyncWaitMs = 2000

    func complete(_ messages: [[String: String]], model: String) throws -> RunPodReply {
        var sampling: [String: JSONValue] = [:]
        if let temperature = exchange.params.temperature { sampling["temperature"] = .number(temperature) }
        if let maxTokens = exchange.params.max_tokens { sampling["max_tokens"] = .number(Double(maxTokens)) }
        let input: JSONValue = [
            "messages": OpenAIRoute.json(messages), "sampling_params": .object(sampling), "stream": false, "model": .string(model),
        ]
        let wait = min(Self.runsyncWaitMs, client.remainingMs())
        var job = try object(client.send("POST", "/runsync?wait=\(max(wait, 1000))", json: ["input": input], stoppable: false))
        guard let id = job["id"]?.stringValue else { throw TaskError.retryable("RunPod's /runsync answer has no job id") }
        var interval = Double(client.config.pollIntervalMs) / 1000
        while true {
            let status = job["status"]?.stringValue ?? ""
            switch status {
            case "COMPLETED":
                guard let output = RunPodOutput(job["output"]) else {
                    throw TaskError.retryable("RunPod job \(id) completed with an output that cannot be read")
                }
                return RunPodReply(content: output.content, usage: output.usage, model: output.model, finishReason: output.finishReason)
            case "FAILED":
                throw TaskError.retryable("RunPod job \(id) failed: \(client.redact(job["error"].map { $0.stringValue ?? $0.serialized() } ?? "no reason given"))")
            case "TIMED_OUT":
                throw TaskError.retryable("RunPod job \(id) timed out on RunPod")
            case "CANCELLED":
                throw TaskError.permanent("RunPod job \(id) was cancelled on RunPod")
            case "IN_QUEUE", "IN_PROGRESS", "RUNNING":
                exchange.context.progress(status == "IN_QUEUE" ? 0.2 : 0.5, note: ["runpod_status": .string(status)])
            default:
                throw TaskError.retryable("RunPod job \(id) has an unknown status '\(status)'")
            }
            do {
                try client.pause(interval)
            } catch {
                client.cancelJob(id)
                throw error
            }
            interval = min(interval * 2, 5)
            do {
                job = try object(client.send("GET", "/status/\(id)"))
            } catch let error as TaskError where error.kind == .cancelled || error.kind == .timeout {
                client.cancelJob(id)
                throw error
            }
        }
    }

    private func object(_ response: HTTPTransfer.Response) throws -> JSONValue {
        guard let object = try? JSONValue.parse(response.body), object.objectValue != nil else {
            throw TaskError.retryable("RunPod answered with something that is not a JSON object")
        }
        return object
    }
}
