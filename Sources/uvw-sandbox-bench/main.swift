import CProcessSpawn
import Glibc
import JSON
import Sandbox

// uvw-sandbox-bench [runs] [--json] [--smoke 'python source']
// Start-to-first-line of `python3 -I -S -c 'print(1)'`, bare (posix_spawn + pipe) and in the
// sandbox (SandboxResult.firstOutputMs), p50/p99 over `runs` runs each, one at a time; with --json
// one JSON object (for bench/run) instead of the text lines.

func milliseconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) * 1000 + Double(now.tv_nsec) / 1e6
}

/// Bare python3: time from posix_spawn to the first byte on its stdout.
func bareFirstLine() -> Double {
    var pipe: [Int32] = [0, 0]
    _ = uvw_pipe_cloexec(&pipe)
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, pipe[1], 1)
    let argv = ["/usr/bin/python3", "-I", "-S", "-c", "print(1)"]
    let pointers = argv.map { strdup($0) } + [nil]
    defer { pointers.forEach { free($0) } }
    var environment: [UnsafeMutablePointer<CChar>?] = [nil]
    var pid: pid_t = 0
    let start = milliseconds()
    _ = posix_spawn(&pid, argv[0], &actions, nil, pointers, &environment)
    close(pipe[1])
    var byte: UInt8 = 0
    _ = read(pipe[0], &byte, 1)
    let first = milliseconds() - start
    close(pipe[0])
    var status: Int32 = 0
    waitpid(pid, &status, 0)
    return first
}

func percentile(_ values: [Double], _ fraction: Double) -> Double {
    let sorted = values.sorted()
    let index = min(sorted.count - 1, Int((Double(sorted.count - 1) * fraction).rounded()))
    return sorted[index]
}

let arguments = CommandLine.arguments
if arguments.count > 2, arguments[1] == "--smoke" {
    let sandbox = Sandbox()
    print(Sandbox.probe().description)
    let job = try JobDirectory.create(in: "/tmp/uvw-sandbox-bench-\(getuid())")
    defer { try? job.remove() }
    let spec = SandboxSpec(command: ["/usr/bin/python3", "-I", "-S", "-c", arguments[2]], jobDirectory: job.path,
                           limits: SandboxLimits(wallSeconds: 10))
    let result = try sandbox.run(spec, cancelled: { false })
    print(result)
    print(result.stdoutText, result.stderrText)
    exit(0)
}
let runs = arguments.dropFirst().compactMap { Int($0) }.first ?? 50
let json = arguments.contains("--json")
let sandbox = Sandbox()
let job = try JobDirectory.create(in: "/tmp/uvw-sandbox-bench")
defer { try? job.remove() }
var bare: [Double] = []
var sandboxed: [Double] = []
var total: [Double] = []
for _ in 0..<3 { _ = bareFirstLine() }
for _ in 0..<runs { bare.append(bareFirstLine()) }
let spec = SandboxSpec(command: ["/usr/bin/python3", "-I", "-S", "-c", "print(1)"], jobDirectory: job.path,
                       limits: SandboxLimits(wallSeconds: 10))
for _ in 0..<3 { _ = try sandbox.run(spec, cancelled: { false }) }
for _ in 0..<runs {
    let result = try sandbox.run(spec, cancelled: { false })
    sandboxed.append(Double(result.firstOutputMs ?? -1))
    total.append(Double(result.durationMs))
}
func line(_ name: String, _ values: [Double]) -> String {
    let p50 = percentile(values, 0.5), p99 = percentile(values, 0.99)
    return "\(name): p50 \(String(format: p50)) ms, p99 \(String(format: p99)) ms"
}
func String(format value: Double) -> String { "\((value * 10).rounded() / 10)" }
if json {
    func stats(_ values: [Double]) -> JSONValue {
        ["p50_ms": .number(percentile(values, 0.5)), "p99_ms": .number(percentile(values, 0.99))]
    }
    print(JSONValue.object([
        "runs": .number(Double(runs)), "bare_first_line": stats(bare), "sandboxed_first_line": stats(sandboxed),
        "sandboxed_whole_run": stats(total), "added_p50_ms": .number(percentile(sandboxed, 0.5) - percentile(bare, 0.5)),
        "probe": .string(Sandbox.probe().description),
    ]).serialized())
    exit(0)
}
print(line("bare python3 -I -S, spawn to first line   ", bare))
print(line("sandboxed, spawn to first line            ", sandboxed))
print(line("sandboxed, whole run (incl. reap, cleanup)", total))
print("added at p50: \(String(format: percentile(sandboxed, 0.5) - percentile(bare, 0.5))) ms over \(runs) runs")
