/// The per-run resource limits. Defaults are the safe defaults; every one can be set per
/// plugin in plugins.yaml by the plugin that owns the sandbox.
public struct SandboxLimits: Sendable, Equatable {
    /// RLIMIT_CPU per process, soft; the hard limit is one second later, so a process first gets
    /// SIGXCPU (catchable, Python dies of it) and then SIGKILL.
    public var cpuSeconds: Int
    /// RLIMIT_AS per process (virtual memory), and cgroup v2 `memory.max` for the whole run when a
    /// delegated cgroup exists.
    public var memoryMB: Int
    /// RLIMIT_NPROC of the slot's uid (bwrap's own two processes count too), and `pids.max`.
    public var processes: Int
    /// RLIMIT_NOFILE.
    public var openFiles: Int
    /// RLIMIT_FSIZE: the largest file any process may write (EFBIG beyond; Python ignores SIGXFSZ).
    public var fileSizeMB: Int
    /// Size of the private tmpfs at /tmp.
    public var tmpSizeMB: Int
    /// Bytes kept of stdout and of stderr each; the rest is read and discarded.
    public var outputBytes: Int
    /// Wall-clock limit of the whole run (the job's timeout); nil waits for ever (cancellation still works).
    public var wallSeconds: Double?

    public init(cpuSeconds: Int = 10, memoryMB: Int = 512, processes: Int = 64, openFiles: Int = 64,
                fileSizeMB: Int = 64, tmpSizeMB: Int = 64, outputBytes: Int = 1 << 20, wallSeconds: Double? = nil) {
        self.cpuSeconds = cpuSeconds
        self.memoryMB = memoryMB
        self.processes = processes
        self.openFiles = openFiles
        self.fileSizeMB = fileSizeMB
        self.tmpSizeMB = tmpSizeMB
        self.outputBytes = outputBytes
        self.wallSeconds = wallSeconds
    }
}
