/// Why a lexicon directory could not be loaded; every case names the file.
public enum VaderLexiconError: Error, Sendable, Equatable, CustomStringConvertible {
    case missingFile(path: String)
    case unreadableFile(path: String, errno: Int32)
    case invalidUTF8(path: String)
    /// A line without the tab-separated fields the Python reads (it would raise on it too).
    case malformedLine(path: String, lineNumber: Int, line: String)

    public var description: String {
        switch self {
        case .missingFile(let path):
            "VADER lexicon file not found: \(path)"
        case .unreadableFile(let path, let errno):
            "cannot read VADER lexicon file \(path) (errno \(errno))"
        case .invalidUTF8(let path):
            "VADER lexicon file is not valid UTF-8: \(path)"
        case .malformedLine(let path, let lineNumber, let line):
            "malformed line \(lineNumber) in VADER lexicon file \(path): \(line.debugDescription)"
        }
    }
}
