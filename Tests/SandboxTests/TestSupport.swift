import Glibc
@testable import Sandbox
import Testing

/// Shared sandbox and the conditions tests are enabled by. On a host without bwrap or user
/// namespaces every sandbox test is skipped; as root (CI) they all run.
enum TestHost {
    static let sandbox = Sandbox()
    static let support = Sandbox.probe()
    static var available: Bool { support.works }
    static var root: Bool { geteuid() == 0 }
    static var availableAsRoot: Bool { available && root }
    /// Marker of the caller's environment that must not reach a job.
    static let canary: Void = { setenv("UVW_SANDBOX_CANARY", "canary-7f3a-secret", 1) }()
}

/// Runs `/usr/bin/python3 -I -S -c source` on `slot` in a fresh job directory, hands the result
/// and directory to `body`, then removes the directory.
func withPython(_ source: String, slot: Int, limits: SandboxLimits = SandboxLimits(wallSeconds: 30),
                prepare: (JobDirectory) throws -> Void = { _ in }, adjust: (inout SandboxSpec) -> Void = { _ in },
                cancelled: () -> Bool = { false }, function: String = #function,
                _ body: (SandboxResult, JobDirectory) throws -> Void) throws {
    let job = try JobDirectory.create(in: "/tmp/uvw-sandbox-tests-\(geteuid())")
    defer { try? job.remove() }
    try prepare(job)
    var spec = SandboxSpec(command: ["/usr/bin/python3", "-I", "-S", "-c", source], jobDirectory: job.path,
                           limits: limits, slot: slot)
    adjust(&spec)
    let result = try TestHost.sandbox.run(spec, cancelled: cancelled)
    observe(function, result)
    try body(result, job)
}

/// Host processes whose command line is exactly `words` (joined by NUL in /proc/N/cmdline).
func hostProcesses(withCommandLine words: [String]) -> [pid_t] {
    let wanted = words.joined(separator: "\0") + "\0"
    return (SystemCalls.directoryEntries("/proc") ?? []).compactMap { name in
        guard let pid = pid_t(name), let line = SystemCalls.readSmallFile("/proc/\(name)/cmdline") else { return nil }
        return line == wanted ? pid : nil
    }
}

/// A TCP listener on the host's 127.0.0.1 at a free port (the caller closes it).
func loopbackListener() -> (fd: Int32, port: Int) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
    listen(fd, 16)
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    return (fd, Int(UInt16(bigEndian: address.sin_port)))
}

func lines(_ result: SandboxResult) -> [String] {
    result.stdoutText.split(separator: "\n").map(String.init)
}

/// One line per run in the test log: what each attack actually ran into.
func observe(_ test: String, _ result: SandboxResult) {
    func clip(_ text: String) -> String {
        let flat = text.replacingNewlines()
        return flat.count > 160 ? String(flat.prefix(160)) + "…" : flat
    }
    print("observed \(test): exit=\(result.exitCode.map(String.init) ?? "-") signal=\(result.signal.map(String.init) ?? "-")"
          + " timedOut=\(result.timedOut) cancelled=\(result.cancelled) ms=\(result.durationMs) cpuMs=\(result.cpuMs)"
          + " peakKB=\(result.peakMemoryKB) stdout(\(result.stdout.count)\(result.stdoutTruncated ? ", truncated" : ""))=\(clip(result.stdoutText))"
          + " stderr=\(clip(result.stderrText))")
}

extension String {
    func replacingNewlines() -> String { split(separator: "\n", omittingEmptySubsequences: false).joined(separator: " | ") }
}

/// As root (CI runs as root) the sandbox must work: every other test here would skip silently and
/// hide a host where bubblewrap or user namespaces are broken.
@Suite struct SandboxHostTests {
    @Test(.enabled(if: TestHost.root)) func theSandboxWorksWhenRunAsRoot() {
        #expect(TestHost.available, "\(TestHost.support)")
        #expect(TestHost.support.seccomp)
    }
}
