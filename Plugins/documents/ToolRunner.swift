import Glibc
import PluginKit
import Sandbox

/// Runs poppler's and tesseract's command-line tools on a job's files in the sandbox library's
/// jail: no network, a uid per slot, rlimits, the job's deadline. poppler is GPL and parses
/// hostile files, so it is never linked, only run like this. Blocking.
struct ToolRunner {
    let sandbox: Sandbox
    let pool: SlotPool
    let limits: SandboxLimits
    /// Checked once at load: without tesseract, pages that want OCR are listed as skipped.
    let hasTesseract: Bool

    /// Read-only extras: fontconfig's configuration, so pages drawn with non-embedded fonts render.
    static let binds: [String: String] = {
        var binds: [String: String] = [:]
        for path in ["/etc/fonts", "/var/cache/fontconfig"] where access(path, R_OK) == 0 { binds[path] = path }
        return binds
    }()

    /// Runs `command` with /job read-only (holding the job's inputs) and /job/out writable.
    /// - Parameter name: what the run is called in errors (the tool, or what a script runs).
    func run(_ command: [String], name: String? = nil, in job: JobDirectory, context: TaskContext, environment: [String: String] = [:],
             onMessage: (([UInt8]) -> Void)? = nil) throws -> SandboxResult {
        let name = name ?? Self.toolName(command)
        var limits = self.limits
        limits.wallSeconds = context.secondsLeft.map { max(0.1, $0) }
        let spec = SandboxSpec(command: command, jobDirectory: job.path, readOnlyBinds: Self.binds,
                               writableSubdirectory: "out", network: .none, limits: limits,
                               messageChannel: onMessage != nil, environment: environment)
        let result: SandboxResult
        do {
            result = try sandbox.runInFreeSlot(spec, pool: pool, cancelled: { context.isCancelled }, onMessage: onMessage ?? { _ in })
        } catch .noFreeSlot {
            throw TaskError.retryable("every sandbox slot is busy (here or in other workers on this machine)")
        } catch {
            throw TaskError(.internal, "\(error)")
        }
        if result.cancelled { throw TaskError(.cancelled, "cancelled") }
        if result.timedOut {
            throw TaskError(.timeout, "timeout: \(name) did not finish within the job's timeout_s")
        }
        if let signal = result.signal {
            throw DocumentFailure.limit(signal == SIGXCPU ? "cpu_s" : "memory_mb",
                                        "\(name) was killed by \(Self.describe(signal)) (limits: memory_mb \(limits.memoryMB), cpu_s \(limits.cpuSeconds))")
        }
        return result
    }

    static func toolName(_ command: [String]) -> String {
        command.first.map { String($0.split(separator: "/").last ?? "") } ?? "the tool"
    }

    /// A tool's stderr lines, trimmed, each once (poppler repeats a complaint for every object it hits), in order.
    static func distinctLines(_ stderr: String) -> [String] {
        var lines: [String] = []
        for line in stderr.split(separator: "\n") {
            let text = line.trimmingCharacters()
            if !text.isEmpty && !lines.contains(text) { lines.append(text) }
        }
        return lines
    }

    static func describe(_ signal: Int32) -> String {
        switch signal {
        case SIGXCPU: "SIGXCPU, the CPU limit"
        case SIGKILL: "SIGKILL, a hard limit"
        case SIGSEGV: "SIGSEGV, a crash (often memory exhausted)"
        case SIGABRT: "SIGABRT, an abort (often memory exhausted)"
        default: "signal \(signal)"
        }
    }

    /// The last lines of a tool's stderr that say something (poppler prefixes "Syntax Error", "Internal Error"...).
    static func reason(_ stderr: String, fallback: String) -> String {
        let lines = distinctLines(stderr)
        guard !lines.isEmpty else { return fallback }
        let text = lines.suffix(3).joined(separator: " | ")
        return text.count > 1000 ? String(text.prefix(1000)) + "…" : text
    }
}

extension Substring {
    func trimmingCharacters() -> String {
        var text = self
        while let first = text.first, first.isWhitespace { text = text.dropFirst() }
        while let last = text.last, last.isWhitespace { text = text.dropLast() }
        return String(text)
    }
}
