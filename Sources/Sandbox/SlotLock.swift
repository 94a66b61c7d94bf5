import Glibc

/// A slot's uid held across processes: an exclusive flock on `<directory>/slot-<uid>.lock`. Two
/// workers on one machine share the uid range, so without it one would run a job on a uid the
/// other is using (sharing RLIMIT_NPROC, and killing the other's processes when it empties the
/// slot). The kernel drops the lock when its holder dies, so a crashed worker frees its slots.
final class SlotLock {
    private var fd: Int32

    /// The directory every worker of this user shares: /run (a tmpfs no cleaner touches) as root,
    /// else XDG_RUNTIME_DIR or /tmp.
    static func defaultDirectory() -> String {
        let uid = geteuid()
        if uid == 0 { return "/run/uvw-sandbox" }
        let runtime = getenv("XDG_RUNTIME_DIR").map { String(cString: $0) } ?? ""
        return (runtime.isEmpty ? "/tmp" : runtime) + "/uvw-sandbox-\(uid)"
    }

    /// Takes the lock without waiting; nil when another process (or another run here) holds it.
    static func take(uid: uid_t, in directory: String) throws(SandboxError) -> SlotLock? {
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            throw .system("mkdir \(directory): \(SystemCalls.errorText())")
        }
        var info = stat()
        // Someone else's directory could hand us a lock file they also hold, or a symlink.
        guard lstat(directory, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR, info.st_uid == geteuid(),
              (info.st_mode & 0o022) == 0 else {
            throw .system("\(directory) is not a directory of this user that only it can write")
        }
        let fd = open("\(directory)/slot-\(uid).lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw .system("open \(directory)/slot-\(uid).lock: \(SystemCalls.errorText())") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(fd)
            if code == EWOULDBLOCK { return nil }
            throw .system("flock \(directory)/slot-\(uid).lock: \(SystemCalls.errorText(code))")
        }
        return SlotLock(fd: fd)
    }

    private init(fd: Int32) { self.fd = fd }

    /// Closing the descriptor drops the lock.
    func release() {
        if fd >= 0 { close(fd) }
        fd = -1
    }

    deinit { release() }
}
