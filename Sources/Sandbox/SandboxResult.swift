/// How a run ended and what it printed.
public struct SandboxResult: Sendable {
    /// The command's exit status; nil when it died of a signal.
    public var exitCode: Int32?
    /// The signal that ended the command. bwrap reports a signalled command as exit status
    /// 128+N, so a status above 128 is read as signal N (as shells do).
    public var signal: Int32?
    /// The wall-clock limit was reached and the run was killed.
    public var timedOut: Bool
    /// `cancelled()` returned true and the run was killed.
    public var cancelled: Bool
    public var stdout: [UInt8]
    public var stderr: [UInt8]
    public var stdoutTruncated: Bool
    public var stderrTruncated: Bool
    /// From spawning the launcher to the end of the run.
    public var durationMs: Int
    /// From spawning the launcher to the first byte on stdout (nil: nothing printed); the
    /// start-up cost of the sandbox plus the command's own.
    public var firstOutputMs: Int?
    /// Largest resident set of any process of the run (wait4's ru_maxrss).
    public var peakMemoryKB: Int
    /// User + system CPU of every process of the run.
    public var cpuMs: Int

    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}
