public import Glibc

/// A job's directory on the host: created private to the worker but traversable by the slot
/// uids, filled with O_NOFOLLOW|O_EXCL writes, and removed without following anything the job
/// planted in it.
public struct JobDirectory: Sendable {
    public let path: String

    public init(existing path: String) { self.path = path }

    /// A fresh directory `base/job-XXXXXX` (0755). `base` is created 0711 if missing: slot uids
    /// may traverse it but not list the other jobs.
    public static func create(in base: String) throws(SandboxError) -> JobDirectory {
        if mkdir(base, 0o711) != 0 && errno != EEXIST {
            throw .system("mkdir \(base): \(SystemCalls.errorText())")
        }
        var info = stat()
        guard lstat(base, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw .system("\(base) is not a directory (or is a symlink)")
        }
        // Someone else's base could have its job directories swapped under us.
        guard info.st_uid == geteuid(), (info.st_mode & 0o022) == 0 else {
            throw .system("\(base) is not owned by this user or is group/world-writable")
        }
        var template = Array("\(base)/job-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw .system("mkdtemp in \(base): \(SystemCalls.errorText())")
        }
        let path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard chmod(path, 0o755) == 0 else { throw .system("chmod \(path): \(SystemCalls.errorText())") }
        return JobDirectory(existing: path)
    }

    /// Creates `name` (no slash) with `bytes`; fails if it exists or is a symlink. Mode 0644 so the
    /// slot uid can read it.
    public func write(_ name: String, _ bytes: [UInt8], mode: mode_t = 0o644) throws(SandboxError) {
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else { throw .invalidSpec("bad file name \(name)") }
        let directory = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard directory >= 0 else { throw .system("open \(path): \(SystemCalls.errorText())") }
        defer { close(directory) }
        let fd = openat(directory, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard fd >= 0 else { throw .system("create \(path)/\(name): \(SystemCalls.errorText())") }
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { throw .system("write \(path)/\(name): \(SystemCalls.errorText())") }
            offset += written
        }
        fchmod(fd, mode)  // the umask must not make an input unreadable to the slot uid
    }

    /// Reads a file the job wrote, e.g. "out.json" or "out/result.json", at most `limit` bytes
    /// (nil past it). Every component is opened with O_NOFOLLOW and the file must be a regular
    /// file: the job may have planted a symlink to /etc/shadow (which the root worker could read)
    /// or a FIFO (which would block the worker's thread). nil when absent or refused.
    public func readOutput(_ relativePath: String, limit: Int) -> [UInt8]? {
        let components = relativePath.split(separator: "/").map(String.init)
        guard !components.isEmpty, !components.contains(".."), !components.contains(".") else { return nil }
        var directory = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard directory >= 0 else { return nil }
        for component in components.dropLast() {
            let next = openat(directory, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            close(directory)
            guard next >= 0 else { return nil }
            directory = next
        }
        let fd = openat(directory, components[components.count - 1], O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        close(directory)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, Int(info.st_size) <= limit else { return nil }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while bytes.count <= limit {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return bytes.count <= limit ? bytes : nil
    }

    /// Removes the directory and everything in it; symlinks are unlinked, never followed.
    public func remove() throws(SandboxError) {
        try TreeRemover.remove(path)
    }
}
