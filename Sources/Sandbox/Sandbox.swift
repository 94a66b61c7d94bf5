import CProcessSpawn
import CSandboxSupport
import Glibc
import Synchronization

/// Runs commands under bubblewrap through the `uvw-sandbox-launch` launcher. `run` blocks its
/// thread: call it from a plugin's blocking thread, never from the cooperative pool.
public final class Sandbox: Sendable {
    public let launcherPath: String
    public let bwrapPath: String
    /// Slot n runs as uid/gid `uidBase + n` when the worker is root.
    public let uidBase: Int
    /// Where the slots' lock files are, shared by every worker of this user on the machine.
    public let lockDirectory: String
    private let cgroup: CgroupV2?
    private let busySlots = Mutex(Set<Int>())
    private let runCounter = Atomic<Int>(0)

    /// - Parameters:
    ///   - launcherPath: default: `uvw-sandbox-launch` beside the running executable.
    ///   - cgroupBase: a delegated cgroup2 directory; default: the worker's own cgroup if usable.
    ///   - lockDirectory: default: /run/uvw-sandbox as root, else under XDG_RUNTIME_DIR or /tmp.
    public init(launcherPath: String? = nil, bwrapPath: String = "/usr/bin/bwrap", uidBase: Int = 100_000,
                cgroupBase: String? = nil, lockDirectory: String? = nil) {
        self.launcherPath = launcherPath ?? Self.defaultLauncherPath()
        self.bwrapPath = bwrapPath
        self.uidBase = uidBase
        self.lockDirectory = lockDirectory ?? SlotLock.defaultDirectory()
        self.cgroup = CgroupV2.detect(override: cgroupBase).cgroup
    }

    /// util-linux's prlimit (Essential in Debian), which sets a run's RLIMIT_NPROC inside its user
    /// namespace when the worker is not root.
    static let prlimitPath = "/usr/bin/prlimit"

    /// `uvw-sandbox-launch` in the directory of /proc/self/exe (SwiftPM puts products side by side).
    public static func defaultLauncherPath() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        let exe = count > 0 ? String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
        let directory = exe.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        return directory + "/uvw-sandbox-launch"
    }

    /// Checks the host: bwrap, the launcher's seccomp filter, a trivial sandboxed run, cgroups.
    public static func probe(launcherPath: String? = nil, bwrapPath: String = "/usr/bin/bwrap",
                             cgroupBase: String? = nil) -> SandboxSupport {
        let launcher = launcherPath ?? defaultLauncherPath()
        let detected = CgroupV2.detect(override: cgroupBase)
        var support = SandboxSupport(
            bwrapPath: SystemCalls.isExecutable(bwrapPath) ? bwrapPath : nil,
            launcherPath: SystemCalls.isExecutable(launcher) ? launcher : nil,
            seccomp: false, works: false, runningAsRoot: geteuid() == 0,
            resourceControl: detected.cgroup.map { .cgroupV2(base: $0.base) } ?? .rlimitsOnly(reason: detected.reason))
        guard support.bwrapPath != nil else { support.problem = "\(bwrapPath) not found (apt package bubblewrap)"; return support }
        guard support.launcherPath != nil else { support.problem = "launcher \(launcher) not found"; return support }
        support.seccomp = ProbeRun.status([launcher, "--probe"]) == 0
        let sandbox = Sandbox(launcherPath: launcher, bwrapPath: bwrapPath, cgroupBase: cgroupBase)
        do {
            let job = try JobDirectory.create(in: "/tmp/uvw-sandbox-probe-\(geteuid())")
            defer { try? job.remove() }
            // The top slots of a small range, away from the early ones jobs take; another worker
            // starting at the same moment may hold one.
            var result: SandboxResult?
            for slot in stride(from: 999, to: 989, by: -1) where result == nil {
                let spec = SandboxSpec(command: ["/bin/true"], jobDirectory: job.path, limits: SandboxLimits(wallSeconds: 10), slot: slot)
                switch Result(catching: { () throws(SandboxError) in try sandbox.run(spec, cancelled: { false }) }) {
                case .success(let run): result = run
                case .failure(.slotBusy): continue
                case .failure(let error): throw error
                }
            }
            guard let result else { throw SandboxError.slotBusy(990) }
            support.works = result.exitCode == 0
            if !support.works { support.problem = "a trivial run failed: \(result.stderrText)" }
        } catch {
            support.problem = "\(error)"
        }
        // bwrap's own words do not say which kernel setting to change; this does.
        if !support.works, let explanation = UserNamespaces.explanation(bwrapError: support.problem ?? "") {
            support.problem = explanation + (support.problem.map { " (\($0))" } ?? "")
        }
        return support
    }

    /// Runs `spec` to its end, its wall-clock limit, or `cancelled()` turning true (checked every
    /// 50 ms); every process of the run is gone when this returns. With `spec.messageChannel`,
    /// `onMessage` gets each line the command writes to fd 4 (without the newline; lines over
    /// 64 KiB are dropped), on this thread, as they come.
    public func run(_ spec: SandboxSpec, cancelled: () -> Bool,
                    onMessage: ([UInt8]) -> Void = { _ in }) throws(SandboxError) -> SandboxResult {
        try validate(spec)
        guard SystemCalls.isExecutable(bwrapPath) else { throw .unavailable("\(bwrapPath) not found") }
        guard SystemCalls.isExecutable(launcherPath) else { throw .unavailable("launcher \(launcherPath) not found") }
        let claimed = busySlots.withLock { $0.insert(spec.slot).inserted }
        guard claimed else { throw .slotBusy(spec.slot) }
        defer { _ = busySlots.withLock { $0.remove(spec.slot) } }

        let asRoot = geteuid() == 0
        let uid = uid_t(uidBase + spec.slot)
        // Held to the end of the run: another worker on this machine may be using the same uid.
        // (Without root every slot runs as the worker's own uid and there is nothing to share.)
        let lock = asRoot ? try SlotLock.take(uid: uid, in: lockDirectory) : nil
        if asRoot && lock == nil { throw .slotBusy(spec.slot) }
        defer { lock?.release() }
        // Leftovers of an earlier run on this slot would count against RLIMIT_NPROC.
        if asRoot { SlotReaper.killAll(uid: uid) }
        let inputs = try prepareJobDirectory(spec, owner: asRoot ? uid : nil)

        let runNumber = runCounter.add(1, ordering: .relaxed).newValue
        let cgroupPath = cgroup?.createRun(name: "uvw-sandbox-\(getpid())-\(runNumber)", limits: spec.limits)
        defer { if let cgroupPath { cgroup?.removeRun(cgroupPath) } }

        var launcher = [launcherPath, "--status-fd", "3"]
        if asRoot { launcher += ["--uid", "\(uid)", "--gid", "\(uid)"] }
        if spec.network.allowsIPSockets { launcher.append("--net") }
        if let cgroupPath { launcher += ["--cgroup", cgroupPath] }
        let limits = spec.limits
        let megabyte = 1024 * 1024
        var rlimits = [
            ("cpu", limits.cpuSeconds, limits.cpuSeconds + 1),
            ("as", limits.memoryMB * megabyte, limits.memoryMB * megabyte),
            ("nofile", limits.openFiles, limits.openFiles),
            ("fsize", limits.fileSizeMB * megabyte, limits.fileSizeMB * megabyte),
            ("core", 0, 0),
        ]
        var inner = spec
        if asRoot {
            // The slot's uid has no other processes: the launcher's limit counts this run's alone.
            rlimits.append(("nproc", limits.processes, limits.processes))
        } else {
            // Set before bwrap, RLIMIT_NPROC would count every process and thread of the worker's
            // uid (the worker's own threads included) and bwrap could not even start. Set inside the
            // run's user namespace, it counts the processes of that namespace alone (the kernel
            // keeps the count per user namespace), which is a per-run limit without a uid per slot.
            inner.command = [Self.prlimitPath, "--nproc=\(limits.processes):\(limits.processes)", "--"] + spec.command
        }
        for (name, soft, hard) in rlimits {
            launcher += ["--rlimit", "\(name)=\(soft):\(hard)"]
        }
        launcher.append("--")
        launcher += BwrapArguments.build(bwrap: bwrapPath, spec: inner, inputs: inputs)

        let child = try ChildRun.start(argv: launcher, stdin: spec.stdin, messageChannel: spec.messageChannel)
        var result = child.pump(limits: limits, cancelled: cancelled, onMessage: onMessage)
        // The PID namespace's teardown has normally killed everything already; this is the proof.
        if asRoot { SlotReaper.killAll(uid: uid) }
        let status = child.launcherStatus()
        if let error = status.error { throw .launchFailed(error) }
        // The launcher reaped every process of the run, so its children's rusage is the run's.
        // wait4's own ru_maxrss is useless here: posix_spawn's vfork-style child carries the
        // worker's RSS high-water mark over its exec. Without a report (launcher killed) both are 0.
        result.cpuMs = status.cpuMs ?? 0
        result.peakMemoryKB = status.peakMemoryKB ?? 0
        result.durationMs = Int(SystemCalls.monotonicMs() - child.startedMs)
        return result
    }

    private func validate(_ spec: SandboxSpec) throws(SandboxError) {
        guard let first = spec.command.first, first.hasPrefix("/") else { throw .invalidSpec("command must start with an absolute path") }
        guard spec.jobDirectory.hasPrefix("/") else { throw .invalidSpec("jobDirectory must be absolute") }
        guard spec.slot >= 0, spec.slot < 10_000 else { throw .invalidSpec("slot out of range") }
        if let writable = spec.writableSubdirectory {
            guard !writable.isEmpty, !writable.contains("/"), writable != ".", writable != ".." else {
                throw .invalidSpec("writableSubdirectory must be one plain name")
            }
        }
        for destination in spec.readOnlyBinds.values where !destination.hasPrefix("/") || destination == "/" {
            throw .invalidSpec("bind destination \(destination) must be an absolute path")
        }
        let l = spec.limits
        guard l.cpuSeconds > 0, l.memoryMB > 0, l.processes > 0, l.openFiles > 0, l.fileSizeMB > 0,
              l.tmpSizeMB > 0, l.outputBytes >= 0 else { throw .invalidSpec("limits must be positive") }
    }

    /// Creates the writable area (owned by the slot uid) or hands /job itself to it; returns the
    /// entries to bind read-only over a writable /job.
    private func prepareJobDirectory(_ spec: SandboxSpec, owner: uid_t?) throws(SandboxError) -> [String] {
        let directory = open(spec.jobDirectory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard directory >= 0 else { throw .system("open \(spec.jobDirectory): \(SystemCalls.errorText())") }
        defer { close(directory) }
        if let writable = spec.writableSubdirectory {
            if mkdirat(directory, writable, 0o700) != 0 && errno != EEXIST {
                throw .system("mkdir \(writable): \(SystemCalls.errorText())")
            }
            var info = stat()
            guard fstatat(directory, writable, &info, AT_SYMLINK_NOFOLLOW) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
                throw .system("\(spec.jobDirectory)/\(writable) is not a directory")
            }
            if let owner, fchownat(directory, writable, owner, owner, AT_SYMLINK_NOFOLLOW) != 0 {
                throw .system("chown \(writable): \(SystemCalls.errorText())")
            }
            return []
        }
        if let owner, fchown(directory, owner, owner) != 0 {
            throw .system("chown \(spec.jobDirectory): \(SystemCalls.errorText())")
        }
        // bwrap resolves a bind's source, so a symlink (left by an earlier run in a reused
        // directory) would expose its host target: such entries stay plain symlinks inside /job.
        return (SystemCalls.directoryEntries(spec.jobDirectory) ?? []).sorted().filter { name in
            var info = stat()
            return fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) == 0 && (info.st_mode & S_IFMT) != S_IFLNK
        }
    }
}

/// Runs a short helper to completion (the launcher's --probe); its exit status or -1.
enum ProbeRun {
    static func status(_ argv: [String]) -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        uvw_spawn_closefrom(&actions, 3)
        var pid: pid_t = 0
        let spawned = SystemCalls.withCStrings(argv) { argvPointers in
            SystemCalls.withCStrings([]) { envp in posix_spawn(&pid, argv[0], &actions, nil, argvPointers, envp) }
        }
        guard spawned == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
    }
}
