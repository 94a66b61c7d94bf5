import Glibc
import PluginKit

/// What `script` names: a shipped script (a `*.py` file of the scripts directory, read at each run
/// so an edit applies to the next job) or inline source. A lone word ending in `.py` is always
/// taken as a name: as Python it could only be a NameError, so a typo gets a clear refusal instead.
struct ScriptSource: Sendable {
    /// The file name inside /job.
    var fileName: String
    var source: [UInt8]
    /// The shipped script's name, nil for inline source.
    var name: String?

    static let inlineFileName = "main.py"
    /// Names the job directory already uses.
    static let reservedNames: Set<String> = ["uvw.py", "uvw_net.py", "args.json", "out.json", inlineFileName]

    static func resolve(_ script: String, scriptsDirectory: String) throws -> ScriptSource {
        guard looksLikeName(script) else { return ScriptSource(fileName: inlineFileName, source: Array(script.utf8), name: nil) }
        guard !reservedNames.contains(script) else {
            throw TaskError.invalidParams("script: '\(script)' is a name the job directory uses; rename the script")
        }
        let path = scriptsDirectory + "/" + script
        guard let bytes = readRegularFile(path, limit: ScriptParams.maxScriptBytes) else {
            let available = shippedScripts(in: scriptsDirectory)
            throw TaskError.invalidParams("script: no script named '\(script)' in \(scriptsDirectory)"
                + (available.isEmpty ? "" : " (available: \(available.joined(separator: ", ")))"))
        }
        return ScriptSource(fileName: script, source: bytes, name: script)
    }

    /// One word of letters, digits, `_`, `-` and `.`, ending in `.py`.
    static func looksLikeName(_ text: String) -> Bool {
        text.hasSuffix(".py") && text.utf8.count > 3 && text.utf8.count <= 255 && text.first != "."
            && text.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "_-.".unicodeScalars.contains($0)) }
    }

    /// The names of the directory's `*.py` files, sorted.
    static func shippedScripts(in directory: String) -> [String] {
        guard let stream = opendir(directory) else { return [] }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if looksLikeName(name), !reservedNames.contains(name) { names.append(name) }
        }
        return names.sorted()
    }

    /// A regular file's bytes (symbolic links followed: the scripts directory is the operator's),
    /// nil when missing, not a regular file or over `limit`.
    static func readRegularFile(_ path: String, limit: Int) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, Int(info.st_size) <= limit else { return nil }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + offset, $0.count - offset) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return nil }
            offset += count
        }
        return bytes
    }
}
