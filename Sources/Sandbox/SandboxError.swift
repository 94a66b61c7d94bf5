/// Failures to run at all (not failures of the command, which are in `SandboxResult`).
public enum SandboxError: Error, CustomStringConvertible, Equatable {
    /// Another run holds this slot (in this process, or another worker on the machine).
    case slotBusy(Int)
    /// Every slot of a `SlotPool` is running a job (here or in other workers on this machine).
    case noFreeSlot
    /// bwrap or the launcher is missing.
    case unavailable(String)
    /// The launcher failed before exec'ing bwrap (rlimit, uid drop, seccomp, cgroup).
    case launchFailed(String)
    /// A system call of the library failed (pipe, posix_spawn, job directory).
    case system(String)
    case invalidSpec(String)

    public var description: String {
        switch self {
        case .slotBusy(let slot): "sandbox slot \(slot) is already running a job (here or in another worker)"
        case .noFreeSlot: "every sandbox slot is busy (here or in other workers on this machine)"
        case .unavailable(let what): "sandbox unavailable: \(what)"
        case .launchFailed(let why): "sandbox launch failed: \(why)"
        case .system(let why): "sandbox: \(why)"
        case .invalidSpec(let why): "invalid sandbox spec: \(why)"
        }
    }
}
