import Glibc
import PluginFetch
import PluginKit

/// Writes an encoded image under IMAGES_OUTPUT_DIR: the name is relative (checked when the task was
/// read), missing sub-directories are made, and every directory on the way must resolve inside the
/// output directory, so a symlink planted there cannot send the file elsewhere. The file appears
/// whole or not at all (a temporary name, then rename).
struct OutputFile {
    /// IMAGES_OUTPUT_DIR; nil turns file output off.
    let directory: String?

    /// The absolute path written. Blocking.
    func write(_ bytes: [UInt8], name: String) throws -> String {
        guard let directory else {
            throw TaskError.invalidParams("output.to: writing files is off on this worker (set IMAGES_OUTPUT_DIR), or use \"to\": \"base64\"")
        }
        guard let root = ConfinedFile.realPath(directory) else {
            throw TaskError.permanent("output.to: IMAGES_OUTPUT_DIR \(directory) does not exist")
        }
        var parts = name.split(separator: "/").map(String.init)
        let file = parts.removeLast()
        var parent = root
        for part in parts {
            let next = parent + "/" + part
            if mkdir(next, 0o755) != 0 && errno != EEXIST {
                throw TaskError.permanent("output.to: cannot make \(part): \(String(cString: strerror(errno)))")
            }
            guard let resolved = ConfinedFile.realPath(next), resolved.hasPrefix(root + "/") else {
                throw TaskError.invalidParams("output.to: \(name) leads outside IMAGES_OUTPUT_DIR (through a symlink)")
            }
            parent = resolved
        }
        let target = parent + "/" + file
        let temporary = parent + "/.\(file).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw TaskError.permanent("output.to: cannot create \(name): \(String(cString: strerror(errno)))") }
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                let reason = String(cString: strerror(errno))
                close(fd)
                unlink(temporary)
                throw TaskError.permanent("output.to: cannot write \(name): \(reason)")
            }
            offset += count
        }
        close(fd)
        // rename replaces a symlink at the target itself rather than following it.
        guard rename(temporary, target) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw TaskError.permanent("output.to: cannot write \(name): \(reason)")
        }
        return target
    }
}
