import Glibc
import PluginKit

/// A file a task names by path, read only from inside one directory the operator chose
/// (DOCUMENTS_DIR, IMAGES_DIR): relative to it or absolute inside it; `..`, paths outside and
/// symlinks leading out are refused, and only a regular file within the size limit is read.
/// Every refusal starts with the task's parameter name.
public struct ConfinedFile: Sendable {
    /// The directory; nil turns path sources off.
    public var directory: String?
    /// The environment variable that sets it, named in refusals.
    public var variable: String
    /// The task parameter holding the path ("path", "image_path").
    public var parameter: String
    public var maxBytes: Int
    /// The plugins.yaml key of `maxBytes`, named when a file is larger.
    public var limitKey: String

    public init(directory: String?, variable: String, parameter: String, maxBytes: Int, limitKey: String) {
        self.directory = directory.flatMap { $0.isEmpty ? nil : Self.withoutTrailingSlash($0) }
        self.variable = variable
        self.parameter = parameter
        self.maxBytes = maxBytes
        self.limitKey = limitKey
    }

    /// The resolved path and the file's bytes. The fully resolved path must stay inside the
    /// directory's own resolved path; the final open does not follow a symlink swapped in
    /// meanwhile, and a FIFO or device is refused before it is read. Blocking.
    public func read(_ path: String) throws -> (path: String, bytes: [UInt8]) {
        let name = parameter
        guard let directory else {
            throw TaskError.invalidParams("\(name): reading files is off on this worker (set \(variable))")
        }
        guard let root = Self.realPath(directory) else {
            throw TaskError.permanent("\(name): \(variable) \(directory) does not exist")
        }
        let joined: String
        if path.hasPrefix("/") {
            guard path == directory || path.hasPrefix(directory + "/") || path.hasPrefix(root + "/") else {
                throw TaskError.invalidParams("\(name): \(path) is outside \(variable) (\(directory))")
            }
            joined = path
        } else {
            joined = directory + "/" + path
        }
        if path.split(separator: "/").contains("..") {
            throw TaskError.invalidParams("\(name): '..' is not allowed (paths are relative to \(variable))")
        }
        guard let resolved = Self.realPath(joined) else {
            throw TaskError.permanent("\(name): no such file under \(variable): \(path)")
        }
        guard resolved.hasPrefix(root + "/") else {
            throw TaskError.invalidParams("\(name): \(path) leads outside \(variable) (through a symlink)")
        }
        let fd = open(resolved, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw TaskError.permanent("\(name): cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw TaskError.invalidParams("\(name): \(path) is not a regular file")
        }
        guard Int(info.st_size) <= maxBytes else {
            throw TaskError.permanent("\(limitKey): \(path) is \(info.st_size) bytes, more than the limit of \(maxBytes >> 20) MB")
        }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + offset, $0.count - offset) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            offset += count
        }
        // A file that shrank while read is read as it now is.
        if offset < bytes.count { bytes.removeLast(bytes.count - offset) }
        return (resolved, bytes)
    }

    /// `path` with every symlink, `.` and `..` resolved (realpath(3)), or nil when it does not exist.
    /// Also what a plugin checks a directory it writes into against (the images plugin's output files).
    public static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    private static func withoutTrailingSlash(_ path: String) -> String {
        var path = path
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        return path
    }
}
