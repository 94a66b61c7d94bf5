import Foundation
import PluginKit

/// Calls one RunPod endpoint for one task: authentication, retries of 429 and 5xx (honouring
/// `Retry-After`), cancellation, and errors that never contain the API key.
struct RunPodClient {
    let config: ChatConfig
    let context: TaskContext

    var endpointURL: String { "\(config.baseURL)/\(config.endpointId)" }

    /// Sends one request and returns a 2xx response. With `onData`, a 2xx body is streamed there,
    /// and a call that failed after data arrived is not retried (the tokens were already sent on).
    func send(_ method: String, _ path: String, json: JSONValue? = nil, stoppable: Bool = true,
              onData: ((ArraySlice<UInt8>) -> Void)? = nil) throws -> HTTPTransfer.Response {
        let body = json?.serializedBytes()
        var attempt = 0
        while true {
            attempt += 1
            var received = false
            let transfer = HTTPTransfer(
                method: method, url: endpointURL + path,
                headers: ["Authorization: Bearer \(config.apiKey)", "Content-Type: application/json",
                          "Accept: \(onData == nil ? "application/json" : "text/event-stream")"],
                body: body, timeoutMs: remainingMs(), connectTimeoutMs: config.connectTimeoutMs)
            let response: HTTPTransfer.Response
            do {
                response = try transfer.perform(onData: onData.map { forward in { chunk in received = true; forward(chunk) } },
                                                shouldStop: { stoppable && context.isCancelled })
            } catch .stopped {
                throw TaskError(.cancelled, "cancelled")
            } catch .transport(let message, let timedOut) {
                if context.isCancelled && stoppable { throw TaskError(.cancelled, "cancelled") }
                if timedOut && remainingMs() <= 1 { throw TaskError(.timeout, "RunPod did not answer before the task's deadline") }
                guard attempt < config.maxRetries, !received else {
                    throw TaskError.retryable(redact("RunPod unreachable (\(method) \(path)): \(message)"))
                }
                try pause(backoff(attempt))
                continue
            }
            switch response.status {
            case 200..<300:
                return response
            case 401, 403:
                throw TaskError.permanent("RunPod refused the API key (HTTP \(response.status)); check RUNPOD_API_KEY")
            case 408, 429, 500..<600:
                guard attempt < config.maxRetries else {
                    throw TaskError.retryable("RunPod answered HTTP \(response.status) \(attempt) times (\(method) \(path))\(detail(response))")
                }
                let wait = response.headers["retry-after"].flatMap(Double.init).map { min(max($0, 0), 60) } ?? backoff(attempt)
                context.log(.warning, "chat: RunPod answered HTTP \(response.status); retrying in \(wait) s")
                try pause(wait)
            default:
                throw TaskError.permanent("RunPod answered HTTP \(response.status) (\(method) \(path))\(detail(response))")
            }
        }
    }

    /// Best effort, not stoppable: a cancelled task cancels its RunPod job.
    func cancelJob(_ id: String) {
        do {
            _ = try send("POST", "/cancel/\(id)", stoppable: false)
            context.log(.info, "chat: cancelled RunPod job \(id)")
        } catch {
            context.log(.warning, "chat: could not cancel RunPod job \(id): \(error)")
        }
    }

    /// The error message in a RunPod or vLLM error body, shortened.
    private func detail(_ response: HTTPTransfer.Response) -> String {
        let object = try? JSONValue.parse(response.body)
        let message = object?["error"]?["message"]?.stringValue ?? object?["message"]?.stringValue
            ?? object?["error"]?.stringValue ?? String(response.text.prefix(200))
        return message.isEmpty ? "" : ": " + redact(String(message.prefix(300)))
    }

    func redact(_ text: String) -> String {
        config.apiKey.isEmpty ? text : text.replacingOccurrences(of: config.apiKey, with: "***")
    }

    private func backoff(_ attempt: Int) -> Double { min(0.25 * Double(1 << min(attempt, 6)), 8) }

    /// Milliseconds until the task's deadline, capped by the request timeout.
    func remainingMs() -> Int {
        guard let deadline = context.deadline else { return config.requestTimeoutMs }
        return max(1, min(config.requestTimeoutMs, Int(deadline.timeIntervalSinceNow * 1000)))
    }

    /// Sleeps in short slices so a cancel or the deadline interrupts the wait.
    func pause(_ seconds: Double) throws {
        let until = Date().addingTimeInterval(seconds)
        while Date() < until {
            try context.checkCancellation()
            Thread.sleep(forTimeInterval: min(0.05, max(0, until.timeIntervalSinceNow)))
        }
    }
}
