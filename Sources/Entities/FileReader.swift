#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why the gazetteer could not be loaded; names the file so that a missing model install is obvious.
public struct GazetteerError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "entity gazetteer: \(path): \(reason)" }
}

/// Whole-file reads with the C library (no Foundation on the worker's plugin side).
enum FileReader {
    static func read(_ path: String) throws(GazetteerError) -> [UInt8] {
        guard let file = fopen(path, "rb") else {
            let reason = errno == ENOENT ? "file not found (run scripts/install-models.sh)" : "cannot open (errno \(errno))"
            throw GazetteerError(path: path, reason: reason)
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let got = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if got > 0 { bytes.append(contentsOf: chunk[0..<got]) }
            if got < chunk.count {
                if ferror(file) != 0 { throw GazetteerError(path: path, reason: "read error") }
                break
            }
        }
        return bytes
    }

    /// Lines of a text file (LF or CRLF).
    /// Split on bytes: a Character-level split of a 2 MB list costs 100+ ms.
    static func lines(_ path: String) throws(GazetteerError) -> [String] {
        try read(path).split(whereSeparator: { $0 == 0x0A || $0 == 0x0D }).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The first space-separated field of each line (the name in the census lists), lowercased.
    static func firstFields(_ path: String, limit: Int = Int.max) throws(GazetteerError) -> [String] {
        var out: [String] = []
        for line in try read(path).split(whereSeparator: { $0 == 0x0A || $0 == 0x0D }).prefix(limit) {
            let field = line.prefix { $0 != 0x20 && $0 != 0x09 }
            if !field.isEmpty { out.append(String(decoding: field.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 32 : $0 }, as: UTF8.self)) }
        }
        return out
    }
}
