import Glibc

/// Kills every process whose real uid is a slot's uid, by scanning /proc. Slot uids belong to the
/// sandbox alone, so this is exact: it is the backstop that guarantees nothing of a run outlives
/// it (the PID namespace teardown normally has already done it), and it empties a slot before a
/// run so RLIMIT_NPROC starts from zero. Only used when the worker is root.
enum SlotReaper {
    /// Returns how many processes were still there on the first pass.
    @discardableResult
    static func killAll(uid: uid_t, within milliseconds: Int64 = 2000) -> Int {
        let deadline = SystemCalls.monotonicMs() + milliseconds
        var first: Int?
        while true {
            let pids = processes(ofUid: uid)
            if first == nil { first = pids.count }
            if pids.isEmpty || SystemCalls.monotonicMs() > deadline { break }
            for pid in pids { kill(pid, SIGKILL) }
            usleep(2000)
        }
        return first ?? 0
    }

    static func processes(ofUid uid: uid_t) -> [pid_t] {
        guard let names = SystemCalls.directoryEntries("/proc") else { return [] }
        var found: [pid_t] = []
        for name in names {
            guard let pid = pid_t(name), let status = SystemCalls.readSmallFile("/proc/\(name)/status") else { continue }
            // "Uid:\treal\teffective\tsaved\tfs"; a zombie still counts until its parent reaps it.
            // A zombie cannot be killed; its parent (inside the run) reaps it or dies.
            if status.contains("\nState:\tZ") { continue }
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Uid:") }) else { continue }
            let fields = line.split(whereSeparator: { $0 == "\t" || $0 == " " })
            if fields.count > 1, uid_t(fields[1]) == uid { found.append(pid) }
        }
        return found
    }
}
