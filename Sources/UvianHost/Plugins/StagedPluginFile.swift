import Foundation

/// A plugin's copy in the staging directory (`DATA_DIR/plugins`), held open with a shared
/// `flock` for as long as a generation uses it. Several workers may share one DATA_DIR: a copy
/// is in use while any of them holds its lock, and `sweep` removes only the copies nobody holds,
/// so the directory keeps just the generations in use.
package final class StagedPluginFile: @unchecked Sendable {
    // `fd` is set in init and closed once by `release` under `lock`.
    package let path: String
    private var fd: Int32
    private let lock = NSLock()

    struct Vanished: Error {}

    /// Takes the shared lock on the file at `path`. Throws `Vanished` when a sweep removed the
    /// file between its copy and the lock (the caller copies it again).
    package init(path: String) throws {
        self.path = path
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Vanished() }
        while flock(fd, LOCK_SH) != 0 && errno == EINTR {}
        // A sweep that won the race unlinked the file before this lock: the path is gone or is
        // another file now.
        var held = stat(), named = stat()
        guard fstat(fd, &held) == 0, stat(path, &named) == 0, held.st_ino == named.st_ino, held.st_dev == named.st_dev else {
            close(fd)
            throw Vanished()
        }
    }

    deinit { release() }

    /// Lets go of the copy (a sweep may now remove it).
    package func release() {
        lock.lock()
        defer { lock.unlock() }
        guard fd >= 0 else { return }
        close(fd)
        fd = -1
    }

    /// Sweeps, and again for a moment while the copy at `released` is still there: a child being
    /// started (by this process or another sharing the copy) holds every descriptor of its parent
    /// between its fork and its exec, the lock with it. Blocks: call it off the cooperative pool.
    static func sweep(_ directory: String, releasing released: StagedPluginFile) {
        released.release()
        for _ in 0..<10 {
            sweep(directory)
            guard FileManager.default.fileExists(atPath: released.path) else { return }
            usleep(20_000)
        }
    }

    /// Removes the copies in `directory` that no process holds, and the temporary files of
    /// processes that are gone. Returns the names removed.
    @discardableResult
    package static func sweep(_ directory: String) -> [String] {
        var removed: [String] = []
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
            let path = (directory as NSString).appendingPathComponent(name)
            if let marker = name.range(of: ".tmp-", options: .backwards) {
                // Another process's copy being written, unless that process is gone.
                guard let pid = pid_t(name[marker.upperBound...]), kill(pid, 0) != 0, errno == ESRCH else { continue }
                if unlink(path) == 0 { removed.append(name) }
                continue
            }
            guard name.hasSuffix(".so") else { continue }
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            // Held by nobody: remove it while holding the lock, so no one can start using it.
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { continue }
            if unlink(path) == 0 { removed.append(name) }
        }
        return removed
    }
}
