#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a model or data file could not be read.
public enum ModelFileError: Error, Sendable, Equatable {
    case missing(path: String)
    case cannotOpen(path: String, errno: Int32)
    case cannotRead(path: String, errno: Int32)
}

/// The ml plugin's data files (lexicons, vocabularies, configs, gazetteers), read whole with the
/// C library: the plugin side loads no Foundation. Each library turns a failure into its own
/// error, naming the file, so a missing install says what to fix.
public enum ModelFile {
    public static func read(_ path: String) throws(ModelFileError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw errno == ENOENT ? .missing(path: path) : .cannotOpen(path: path, errno: errno)
        }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .cannotRead(path: path, errno: errno)
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<count])
        }
    }

    /// `${XDG_CACHE_HOME:-$HOME/.cache}/uvian-worker/models`, where scripts/install-models.sh puts
    /// the files when ML_MODEL_DIR is not set: one directory every worker on the machine shares.
    public static func defaultDirectory() -> String {
        func variable(_ name: String) -> String? {
            guard let value = getenv(name) else { return nil }
            let text = String(cString: value)
            return text.isEmpty ? nil : text
        }
        let cache = variable("XDG_CACHE_HOME") ?? ((variable("HOME") ?? "/root") + "/.cache")
        return cache + "/uvian-worker/models"
    }
}
