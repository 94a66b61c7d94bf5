import ModelFiles

/// Why the gazetteer could not be loaded; names the file so that a missing model install is obvious.
public struct GazetteerError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "entity gazetteer: \(path): \(reason)" }
}

/// The gazetteer's files, read whole, as bytes, lines or first fields.
enum FileReader {
    static func read(_ path: String) throws(GazetteerError) -> [UInt8] {
        do {
            return try ModelFile.read(path)
        } catch {
            switch error {
            case .missing: throw GazetteerError(path: path, reason: "file not found (run scripts/install-models.sh)")
            case .cannotOpen(_, let code): throw GazetteerError(path: path, reason: "cannot open (errno \(code))")
            case .cannotRead: throw GazetteerError(path: path, reason: "read error")
            }
        }
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
