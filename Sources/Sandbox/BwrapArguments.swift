import Glibc

/// The bubblewrap command line of a run (without `--seccomp`, which the launcher puts first).
enum BwrapArguments {
    static let fixedEnvironment: [(String, String)] = [
        ("PATH", "/usr/local/bin:/usr/bin:/bin"),
        ("HOME", "/job"),
        ("LANG", "C.UTF-8"),
        // RLIMIT_AS counts every thread's stack: one BLAS thread keeps numpy under the limit.
        ("OPENBLAS_NUM_THREADS", "1"),
        // Likewise OpenMP (scikit-learn's knn, boosting): a thread per core, each with its own arena.
        ("OMP_NUM_THREADS", "1"),
        ("PYTHONDONTWRITEBYTECODE", "1"),
    ]

    /// - Parameter inputs: for a writable /job, the entries bound read-only over themselves.
    static func build(bwrap: String, spec: SandboxSpec, inputs: [String]) -> [String] {
        var arguments = [bwrap]
        // Every namespace (user, ipc, pid, net, uts, cgroup); a user namespace that cannot nest
        // another (--disable-userns), so the job cannot regain capabilities.
        arguments += ["--unshare-all", "--unshare-user", "--disable-userns"]
        if spec.network == .host { arguments.append("--share-net") }
        arguments += ["--die-with-parent", "--new-session", "--cap-drop", "ALL", "--clearenv"]
        var environment = fixedEnvironment
        for (name, value) in spec.environment.sorted(by: { $0.key < $1.key })
        where !fixedEnvironment.contains(where: { $0.0 == name }) {
            environment.append((name, value))
        }
        for (name, value) in environment { arguments += ["--setenv", name, value] }

        arguments += ["--ro-bind", "/usr", "/usr"]
        // Debian's merged /usr: /lib, /bin … are symlinks into /usr; bind them if a host has real ones.
        for top in ["/lib", "/lib64", "/lib32", "/libx32", "/bin", "/sbin"] {
            var info = stat()
            guard lstat(top, &info) == 0 else { continue }
            if (info.st_mode & S_IFMT) == S_IFLNK, let target = linkTarget(top) {
                arguments += ["--symlink", target, top]
            } else if (info.st_mode & S_IFMT) == S_IFDIR {
                arguments += ["--ro-bind", top, top]
            }
        }
        for file in ["/etc/ld.so.cache", "/etc/alternatives", "/etc/localtime"] {
            arguments += ["--ro-bind-try", file, file]
        }
        for (source, destination) in spec.readOnlyBinds.sorted(by: { $0.value < $1.value }) {
            arguments += ["--ro-bind", source, destination]
        }
        arguments += ["--proc", "/proc", "--dev", "/dev"]
        arguments += ["--size", "\(spec.limits.tmpSizeMB * 1024 * 1024)", "--tmpfs", "/tmp"]

        if let writable = spec.writableSubdirectory {
            arguments += ["--ro-bind", spec.jobDirectory, "/job"]
            arguments += ["--bind", "\(spec.jobDirectory)/\(writable)", "/job/\(writable)"]
        } else {
            arguments += ["--bind", spec.jobDirectory, "/job"]
            for input in inputs {
                arguments += ["--ro-bind", "\(spec.jobDirectory)/\(input)", "/job/\(input)"]
            }
        }
        // The root tmpfs bwrap builds would otherwise be writable by the job.
        arguments += ["--remount-ro", "/", "--chdir", "/job", "--"]
        return arguments + spec.command
    }

    private static func linkTarget(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
