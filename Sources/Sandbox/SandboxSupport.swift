import Glibc

/// What this host offers the sandbox; `description` is the line for /plugins.
public struct SandboxSupport: Sendable {
    public enum ResourceControl: Sendable, Equatable {
        /// memory.max and pids.max per run in a delegated cgroup2 directory, plus rlimits.
        case cgroupV2(base: String)
        /// Per-process rlimits only; the reason says why no cgroup is used.
        case rlimitsOnly(reason: String)
    }

    public var bwrapPath: String?
    public var launcherPath: String?
    /// The launcher built and exported a seccomp filter.
    public var seccomp: Bool
    /// A trivial command ran in the sandbox (user namespaces usable).
    public var works: Bool
    public var runningAsRoot: Bool
    public var resourceControl: ResourceControl
    /// Why `works` is false.
    public var problem: String?

    public var description: String {
        guard works else { return "sandbox unavailable: \(problem ?? "unknown")" }
        let resources = switch resourceControl {
        case .cgroupV2(let base): "cgroup v2 memory.max/pids.max under \(base) + rlimits"
        case .rlimitsOnly(let reason): "rlimits only (\(reason))"
        }
        let identity = runningAsRoot ? "a uid per slot" : "the worker's uid in a user namespace per run (RLIMIT_NPROC counted per namespace)"
        return "bubblewrap, all namespaces, seccomp \(seccomp ? "on" : "OFF"), no_new_privs, \(identity), \(resources)"
    }
}
