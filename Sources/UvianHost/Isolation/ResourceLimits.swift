import Foundation

/// Resource limits a plugin-runner child sets on itself (`rlimits:` of a plugin in process
/// isolation). A limit the kernel enforces ends only that child: the job fails with the signal's
/// name and the child is replaced.
package struct ResourceLimits: Sendable, Equatable {
    /// Address space (`RLIMIT_AS`) in MiB: allocations beyond it fail.
    package var memoryMB: Int?
    /// CPU seconds per job (`RLIMIT_CPU`, re-armed before each job): past it the kernel sends SIGXCPU.
    package var cpuSeconds: Int?
    /// Open file descriptors (`RLIMIT_NOFILE`).
    package var openFiles: Int?

    package init(memoryMB: Int? = nil, cpuSeconds: Int? = nil, openFiles: Int? = nil) {
        self.memoryMB = memoryMB
        self.cpuSeconds = cpuSeconds
        self.openFiles = openFiles
    }

    /// Sets the memory and open-file limits on the calling process. Returns a reason on failure.
    func applyStatic() -> String? {
        if let memoryMB, let problem = Self.set(Int32(RLIMIT_AS.rawValue), rlim_t(memoryMB) << 20, "memory_mb") { return problem }
        if let openFiles, let problem = Self.set(Int32(RLIMIT_NOFILE.rawValue), rlim_t(openFiles), "open_files") { return problem }
        return nil
    }

    /// Allows the next job `cpuSeconds` more CPU seconds than the process used so far.
    func armCPU() {
        guard let cpuSeconds else { return }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let used = usage.ru_utime.tv_sec + usage.ru_stime.tv_sec + 1
        _ = Self.set(Int32(RLIMIT_CPU.rawValue), rlim_t(used) + rlim_t(cpuSeconds), "cpu_s")
    }

    /// Lowers the soft limit only; the hard limit stays, so it can be raised again for the next job.
    private static func set(_ resource: Int32, _ value: rlim_t, _ name: String) -> String? {
        var limit = rlimit()
        getrlimit(resource, &limit)
        limit.rlim_cur = limit.rlim_max == rlim_t.max ? value : min(value, limit.rlim_max)
        guard setrlimit(resource, &limit) == 0 else { return "cannot set \(name): \(String(cString: strerror(errno)))" }
        return nil
    }
}
