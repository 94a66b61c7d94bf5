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
        let reader = try ConfigReader(config, plugin: "chat", known: [
            "base_url", "endpoint_id", "api_key", "mode", "model", "system_prompt", "history_messages", "history_chars",
            "connect_timeout_s", "request_timeout_s", "max_retries", "poll_interval_ms",
        ])
        let string = reader.string
        func int(_ key: String, _ fallback: Int, _ range: ClosedRange<Int>) throws -> Int {
            try reader.integer(key, default: fallback, in: range)
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
        historyChars = reader["history_chars"] == nil ? nil : try int("history_chars", 0, 1...10_000_000)
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
