import Foundation
import PluginKit

/// The chat plugin's `config` from plugins.yaml (the repository's file fills it from RUNPOD_*).
struct ChatConfig: Sendable {
    enum Mode: String, Sendable { case openai, job }

    var baseURL: String
    var endpointId: String
    var apiKey: String
    var mode: Mode
    var model: String
    var systemPrompt: String?
    /// Most messages of history sent (the newest); nil = all the store returns (up to 1000).
    var historyMessages: Int
    /// Most characters of history sent, oldest dropped first; nil = no limit.
    var historyChars: Int?
    var connectTimeoutMs: Int
    var requestTimeoutMs: Int
    /// Attempts for one RunPod call on 429/5xx, honouring Retry-After.
    var maxRetries: Int
    /// First wait between `/status` polls in job mode (doubles up to 5 s).
    var pollIntervalMs: Int

    init(_ config: PluginConfig) throws {
        guard let object = (try? config.value())?.objectValue else {
            throw TaskError.permanent("chat: config must be a JSON object")
        }
        let known: Set<String> = ["base_url", "endpoint_id", "api_key", "mode", "model", "system_prompt", "history_messages",
                                  "history_chars", "connect_timeout_s", "request_timeout_s", "max_retries", "poll_interval_ms"]
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw TaskError.permanent("chat: unknown config key '\(unknown)'")
        }
        func string(_ key: String) -> String? { object[key]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } }
        func int(_ key: String, _ fallback: Int, _ range: ClosedRange<Int>) throws -> Int {
            guard let value = object[key] else { return fallback }
            guard let int = value.intValue, range.contains(int) else {
                throw TaskError.permanent("chat: \(key) must be an integer from \(range.lowerBound) to \(range.upperBound)")
            }
            return int
        }
        baseURL = (string("base_url") ?? "https://api.runpod.ai/v2").trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        guard baseURL.hasPrefix("http://") || baseURL.hasPrefix("https://") else {
            throw TaskError.permanent("chat: base_url must be an http(s) URL")
        }
        endpointId = string("endpoint_id") ?? ""
        apiKey = string("api_key") ?? ""
        guard let mode = Mode(rawValue: string("mode") ?? "openai") else { throw TaskError.permanent("chat: mode must be openai or job") }
        self.mode = mode
        model = string("model") ?? "default"
        systemPrompt = string("system_prompt")
        historyMessages = try int("history_messages", 50, 1...1000)
        historyChars = object["history_chars"] == nil ? nil : try int("history_chars", 0, 1...10_000_000)
        connectTimeoutMs = try int("connect_timeout_s", 10, 1...600) * 1000
        requestTimeoutMs = try int("request_timeout_s", 300, 1...3600) * 1000
        maxRetries = try int("max_retries", 4, 1...20)
        pollIntervalMs = try int("poll_interval_ms", 250, 10...60_000)
    }

    /// Why chat cannot run yet (no endpoint or key configured), or nil.
    var missingSetting: String? {
        if endpointId.isEmpty { return "chat is not configured: set RUNPOD_ENDPOINT_ID (config endpoint_id)" }
        if apiKey.isEmpty { return "chat is not configured: set RUNPOD_API_KEY (config api_key)" }
        return nil
    }
}
