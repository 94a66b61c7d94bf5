import EgressProxy
import GuardedFetch
import Glibc
import PluginKit
import Sandbox

/// One `custom_script` task: a job directory with the inputs, one sandboxed run of the venv's
/// Python, then the outcome read back. Blocking: runs on the plugin's blocking thread.
struct ScriptRun {
    let plugin: ScriptPlugin
    let params: ScriptParams
    let context: TaskContext

    /// Paths inside the sandbox.
    static let venvMount = "/opt/venv"
    static let proxySocket = ".uvw-proxy.sock"
    static let certificates = "/etc/ssl/certs"

    func run() throws -> ScriptResult {
        let config = plugin.config
        if let problem = plugin.environmentProblem { throw TaskError.permanent(problem) }
        let source = try ScriptSource.resolve(params.script, scriptsDirectory: config.scriptsDirectory)
        let network = source.name.map { config.networkScripts.contains($0) } ?? false

        let job: JobDirectory
        do {
            job = try JobDirectory.create(in: config.workDirectory)
        } catch {
            throw TaskError(.internal, "cannot make the job directory: \(error)")
        }
        defer { try? job.remove() }

        var proxy: EgressProxy?
        do {
            try job.write("args.json", params.args.serializedBytes())
            try job.write("uvw.py", plugin.helperModule)
            try job.write(source.fileName, source.source)
            if network {
                try job.write("uvw_net.py", plugin.networkRelay)
                proxy = try EgressProxy(socketPath: job.path + "/" + Self.proxySocket, destinationGuard: plugin.destinationGuard)
            }
        } catch {
            throw TaskError(.internal, "cannot prepare the job directory: \(error)")
        }
        proxy?.start()

        var limits = config.limits
        limits.wallSeconds = [params.timeoutSeconds, context.secondsLeft].compactMap { $0 }.min()
        let python = Self.venvMount + "/bin/python3"
        // -s: no user site-packages (HOME is /job); unbuffered, so what a killed script printed is kept.
        var command = [python, "-s", "/job/" + source.fileName]
        var environment = ["UVW_PROGRESS_FD": "\(SandboxSpec.messageFD)", "PYTHONUNBUFFERED": "1"]
        if network {
            command = [python, "-s", "/job/uvw_net.py"] + command
            environment["UVW_PROXY_SOCKET"] = "/job/" + Self.proxySocket
        }
        var binds = [config.venv: Self.venvMount]
        // HTTPS through the proxy is end to end: the script verifies certificates itself, against
        // the system's CA store (public data; the rest of /etc stays out).
        if network && access(Self.certificates, R_OK) == 0 { binds[Self.certificates] = Self.certificates }
        let spec = SandboxSpec(
            command: command, jobDirectory: job.path, readOnlyBinds: binds,
            writableSubdirectory: nil, network: network ? .privateLoopback : .none, limits: limits,
            stdin: params.stdin.map { Array($0.utf8) }, messageChannel: true, environment: environment)

        var progress = ProgressRelay(context: context)
        let outcome: SandboxResult
        do {
            outcome = try runInFreeSlot(spec) { line in progress.receive(line) }
        } catch {
            _ = proxy?.stop()
            throw error
        }
        let egress = proxy?.stop()
        progress.flush()

        if outcome.cancelled { throw TaskError(.cancelled, "cancelled") }
        let (value, resultProblem) = readResult(job, outcome)
        let answer = ScriptResult(outcome, script: source.name ?? "inline", result: value, network: egress)
        if outcome.timedOut {
            throw TaskError(.timeout, "timed out after \(Self.seconds(limits.wallSeconds ?? 0)) s", result: answer)
        }
        if let signal = outcome.signal {
            throw TaskError(.retryable, "killed by \(Self.describe(signal: signal, limits: limits))\(Self.tail(outcome.stderrText, prefix: ": "))",
                            result: answer)
        }
        if let code = outcome.exitCode, code != 0 {
            let reason = Self.tail(outcome.stderrText, prefix: "")
            throw TaskError(.retryable, reason.isEmpty ? "exit code \(code)" : "exit code \(code): \(reason)", result: answer)
        }
        if let resultProblem { throw TaskError(.permanent, resultProblem, result: answer) }
        return answer
    }

    /// Runs `spec` in the lowest slot that is free here and not held by another worker.
    private func runInFreeSlot(_ spec: SandboxSpec, onMessage: ([UInt8]) -> Void) throws -> SandboxResult {
        do {
            return try plugin.sandbox.runInFreeSlot(spec, pool: plugin.slots, cancelled: { context.isCancelled }, onMessage: onMessage)
        } catch .noFreeSlot {
            throw TaskError.retryable("every sandbox slot is busy (here or in other workers on this machine)")
        } catch {
            throw TaskError(.internal, "\(error)")
        }
    }

    /// /job/out.json when the script wrote one, else the last stdout line if it is JSON. A second
    /// value names what was wrong with an out.json that cannot be used.
    private func readResult(_ job: JobDirectory, _ outcome: SandboxResult) -> (JSONValue, String?) {
        var info = stat()
        if lstat(job.path + "/out.json", &info) == 0 {
            let limit = plugin.config.resultBytes
            guard let bytes = job.readOutput("out.json", limit: limit) else {
                return (.null, "out.json must be a regular file of at most \(limit) bytes (result_bytes)")
            }
            do {
                return (try JSONValue.parse(bytes), nil)
            } catch {
                return (.null, "out.json is not valid JSON: \(error)")
            }
        }
        let lines = outcome.stdout.split(separator: UInt8(ascii: "\n"))
        guard let last = lines.last(where: { !$0.allSatisfy { $0 == 32 || $0 == 9 || $0 == 13 } }),
              let value = try? JSONValue.parse(last) else { return (.null, nil) }
        return (value, nil)
    }

    /// The last lines of stderr (a Python traceback ends with the exception), at most 5 and 2,000 characters.
    static func tail(_ stderr: String, prefix: String) -> String {
        let lines = stderr.split(separator: "\n").map { $0.trimmingSpaces() }.filter { !$0.isEmpty }
        guard !lines.isEmpty else { return "" }
        let text = lines.suffix(5).joined(separator: " | ")
        return prefix + (text.count > 2000 ? "…" + String(text.suffix(2000)) : text)
    }

    static func describe(signal: Int32, limits: SandboxLimits) -> String {
        switch signal {
        case SIGXCPU: "SIGXCPU (the CPU limit of \(limits.cpuSeconds) s, cpu_s)"
        case SIGKILL: "SIGKILL (a hard limit: CPU, memory or processes)"
        case SIGXFSZ: "SIGXFSZ (the file size limit of \(limits.fileSizeMB) MB, file_size_mb)"
        case SIGSEGV: "SIGSEGV (a crash)"
        case SIGABRT: "SIGABRT (an abort)"
        default: "signal \(signal)"
        }
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}

extension Substring {
    func trimmingSpaces() -> String {
        var text = self
        while let first = text.first, first == " " || first == "\t" || first == "\r" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" || last == "\r" { text = text.dropLast() }
        return String(text)
    }
}
