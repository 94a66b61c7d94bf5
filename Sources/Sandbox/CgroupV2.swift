import CSandboxSupport
import Glibc

/// cgroup v2 limits for a whole run (memory.max, pids.max), when the host delegates a writable
/// cgroup to the worker. The per-run child is joined by the launcher before it drops privileges.
struct CgroupV2: Sendable {
    /// Directory under which per-run children are created.
    let base: String

    private static let cgroup2Magic: UInt = 0x6367_7270

    /// The delegated base, or why there is none. The base is `override` when given, else the
    /// worker's own cgroup: it must be on cgroup2, writable, and already have the memory and pids
    /// controllers enabled for its children (a cgroup holding processes cannot enable them itself:
    /// the operator or the unit's `Delegate=yes` setup arranges that).
    static func detect(override: String? = nil) -> (cgroup: CgroupV2?, reason: String) {
        let root = "/sys/fs/cgroup"
        guard uvw_filesystem_type(root) == cgroup2Magic else {
            return (nil, "\(root) is not cgroup2 (v1 or hybrid layout)")
        }
        let base: String
        if let override {
            base = override
        } else {
            guard let own = SystemCalls.readSmallFile("/proc/self/cgroup")?
                .split(separator: "\n").first(where: { $0.hasPrefix("0::") }) else {
                return (nil, "no cgroup2 entry in /proc/self/cgroup")
            }
            base = root + own.dropFirst(3)
        }
        guard access(base, W_OK) == 0 else { return (nil, "\(base) is not writable") }
        let enabled = SystemCalls.readSmallFile(base + "/cgroup.subtree_control") ?? ""
        let controllers = Set(enabled.split(whereSeparator: { $0 == " " || $0 == "\n" }))
        guard controllers.contains("memory"), controllers.contains("pids") else {
            return (nil, "\(base) does not enable memory and pids for its children")
        }
        return (CgroupV2(base: base), "delegated cgroup2 at \(base)")
    }

    /// Creates the run's child with the limits; nil (rlimits only) if that fails.
    func createRun(name: String, limits: SandboxLimits) -> String? {
        let path = "\(base)/\(name)"
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else { return nil }
        let memory = limits.memoryMB * 1024 * 1024
        guard SystemCalls.writeFile(path + "/memory.max", "\(memory)"),
              SystemCalls.writeFile(path + "/pids.max", "\(limits.processes)") else {
            rmdir(path)
            return nil
        }
        SystemCalls.writeFile(path + "/memory.swap.max", "0")
        // An OOM kill takes the whole run, not one arbitrary process of it.
        SystemCalls.writeFile(path + "/memory.oom.group", "1")
        return path
    }

    /// Kills whatever is left in the run's cgroup and removes it.
    func removeRun(_ path: String) {
        SystemCalls.writeFile(path + "/cgroup.kill", "1")
        for _ in 0..<200 {
            if rmdir(path) == 0 || errno == ENOENT { return }
            usleep(5000)
        }
    }
}
