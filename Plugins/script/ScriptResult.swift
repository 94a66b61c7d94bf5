import EgressProxy
import PluginKit
import Sandbox

/// What a `custom_script` task answers, on success and (as the failed task's `result`) on failure.
struct ScriptResult: Encodable, Sendable {
    /// The JSON of /job/out.json, else the last line of stdout when it is JSON, else null.
    var result: JSONValue
    /// The shipped script's name, or "inline".
    var script: String
    var stdout: String
    var stderr: String
    var stdoutTruncated: Bool
    var stderrTruncated: Bool
    var exitCode: Int32?
    var signal: Int32?
    var timedOut: Bool
    var durationMs: Int
    var peakMemoryKB: Int
    var cpuMs: Int
    /// What went through the egress proxy; only for scripts allowed the network.
    var network: NetworkSummary?

    struct NetworkSummary: Encodable, Sendable {
        var connections: Int
        var refused: [String]
        var bytesSent: Int
        var bytesReceived: Int

        enum CodingKeys: String, CodingKey {
            case connections, refused, bytesSent = "bytes_sent", bytesReceived = "bytes_received"
        }

        init(_ report: EgressReport) {
            connections = report.connections
            refused = report.refused
            bytesSent = report.bytesSent
            bytesReceived = report.bytesReceived
        }
    }

    enum CodingKeys: String, CodingKey {
        case result, script, stdout, stderr, signal, network
        case stdoutTruncated = "stdout_truncated", stderrTruncated = "stderr_truncated", exitCode = "exit_code"
        case timedOut = "timed_out", durationMs = "duration_ms", peakMemoryKB = "peak_memory_kb", cpuMs = "cpu_ms"
    }

    init(_ run: SandboxResult, script: String, result: JSONValue, network: EgressReport?) {
        self.result = result
        self.script = script
        stdout = run.stdoutText
        stderr = run.stderrText
        stdoutTruncated = run.stdoutTruncated
        stderrTruncated = run.stderrTruncated
        exitCode = run.exitCode
        signal = run.signal
        timedOut = run.timedOut
        durationMs = run.durationMs
        peakMemoryKB = run.peakMemoryKB
        cpuMs = run.cpuMs
        self.network = network.map(NetworkSummary.init)
    }

    // Explicit so that nil fields are written as null, not left out: every answer has every key.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(result, forKey: .result)
        try container.encode(script, forKey: .script)
        try container.encode(stdout, forKey: .stdout)
        try container.encode(stderr, forKey: .stderr)
        try container.encode(stdoutTruncated, forKey: .stdoutTruncated)
        try container.encode(stderrTruncated, forKey: .stderrTruncated)
        try container.encode(exitCode, forKey: .exitCode)
        try container.encode(signal, forKey: .signal)
        try container.encode(timedOut, forKey: .timedOut)
        try container.encode(durationMs, forKey: .durationMs)
        try container.encode(peakMemoryKB, forKey: .peakMemoryKB)
        try container.encode(cpuMs, forKey: .cpuMs)
        if let network { try container.encode(network, forKey: .network) }
    }
}
