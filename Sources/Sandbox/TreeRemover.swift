import Glibc

/// Recursive removal relative to directory descriptors (openat with O_NOFOLLOW, unlinkat), so a
/// symlink or a directory swapped for a symlink is unlinked, never followed out of the tree.
enum TreeRemover {
    static func remove(_ path: String) throws(SandboxError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return }
            // A symlink (ELOOP) or a file: unlink the name itself.
            if unlink(path) == 0 { return }
            throw .system("remove \(path): \(SystemCalls.errorText())")
        }
        let failure = removeContents(fd)
        close(fd)
        if let failure { throw .system("remove \(path): \(failure)") }
        guard rmdir(path) == 0 || errno == ENOENT else { throw .system("rmdir \(path): \(SystemCalls.errorText())") }
    }

    /// Empties the directory open at `directory`; returns the first failure.
    private static func removeContents(_ directory: Int32) -> String? {
        // The job may have left a directory 0000; as a non-root worker we need rwx to empty it.
        fchmod(directory, 0o700)
        let listing = dup(directory)
        guard listing >= 0, let stream = fdopendir(listing) else {
            return "list: \(SystemCalls.errorText())"
        }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        closedir(stream)
        var failure: String?
        for name in names {
            var info = stat()
            guard fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                var child = openat(directory, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                if child < 0 && errno == EACCES {
                    // A directory the job made 0000 (root would not care). fstatat above saw a
                    // directory, not a link, and the job is no longer running to swap it.
                    fchmodat(directory, name, 0o700, 0)
                    child = openat(directory, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                }
                if child >= 0 {
                    if let inner = removeContents(child) { failure = failure ?? inner }
                    close(child)
                }
                if unlinkat(directory, name, AT_REMOVEDIR) != 0 { failure = failure ?? "\(name): \(SystemCalls.errorText())" }
            } else if unlinkat(directory, name, 0) != 0 {
                failure = failure ?? "\(name): \(SystemCalls.errorText())"
            }
        }
        return failure
    }
}
