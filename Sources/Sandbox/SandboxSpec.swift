/// One command to run in the sandbox.
public struct SandboxSpec: Sendable {
    /// The descriptor number of the message channel inside the sandbox.
    public static let messageFD: Int32 = 4

    /// argv inside the sandbox; argv[0] is a path inside it (e.g. /usr/bin/python3).
    public var command: [String]
    /// Host directory bound at /job (see `writableSubdirectory`). The caller creates it, e.g. with
    /// `JobDirectory`; it must be traversable by the slot's uid.
    public var jobDirectory: String
    /// Extra read-only binds, host path → path inside (e.g. a venv → /opt/venv).
    public var readOnlyBinds: [String: String]
    /// The one writable area. A name ("out", the default): /job is read-only and /job/<name> is
    /// writable (created by the library, owned by the slot's uid). nil: /job itself is writable and
    /// every entry already in the job directory when the run starts is bound read-only over itself,
    /// so inputs stay read-only while new files such as /job/out.json can be created.
    public var writableSubdirectory: String?
    /// What the run may reach (see `SandboxNetwork`); `.none` by default.
    public var network: SandboxNetwork
    public var limits: SandboxLimits
    /// Concurrency slot: the run's uid/gid is `uidBase + slot` when the worker is root. Two runs on
    /// the same slot at once are refused (their processes would share one RLIMIT_NPROC).
    public var slot: Int
    /// Written to the command's stdin, then closed; nil gives /dev/null.
    public var stdin: [UInt8]?
    /// A pipe the command finds open at `messageFD` (4), read line by line by the caller (see
    /// `Sandbox.run`'s `onMessage`): progress reports and the like. Off by default.
    public var messageChannel: Bool
    /// Added to the fixed environment (PATH, HOME=/job, LANG, OPENBLAS_NUM_THREADS, OMP_NUM_THREADS, PYTHONDONTWRITEBYTECODE).
    public var environment: [String: String]

    public init(command: [String], jobDirectory: String, readOnlyBinds: [String: String] = [:],
                writableSubdirectory: String? = "out", network: SandboxNetwork = .none, limits: SandboxLimits = SandboxLimits(),
                slot: Int = 0, stdin: [UInt8]? = nil, messageChannel: Bool = false, environment: [String: String] = [:]) {
        self.command = command
        self.jobDirectory = jobDirectory
        self.readOnlyBinds = readOnlyBinds
        self.writableSubdirectory = writableSubdirectory
        self.network = network
        self.limits = limits
        self.slot = slot
        self.stdin = stdin
        self.messageChannel = messageChannel
        self.environment = environment
    }
}
