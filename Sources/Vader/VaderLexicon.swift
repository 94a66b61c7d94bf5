/// VADER's two data files, read from a directory (the project installs them at
/// `$ML_MODEL_DIR/vader`): `vader_lexicon.txt` (word, mean valence, ...) and
/// `emoji_utf8_lexicon.txt` (emoji, description).
public struct VaderLexicon: Sendable {
    public static let lexiconFileName = "vader_lexicon.txt"
    public static let emojiLexiconFileName = "emoji_utf8_lexicon.txt"

    /// Word → mean valence, keys as written in the file (a few, like ":D", are not lowercase and so
    /// can never match a lowercased token, exactly as in the Python).
    let valences: [String: Double]
    /// Emoji → description, for emojis of one code point only: the Python looks the text up one code
    /// point at a time, so multi-code-point entries (flags, keycaps, ZWJ sequences) never match.
    let emojiDescriptions: [UInt32: String]

    public init(directory: String) throws {
        let base = directory.isEmpty || directory.hasSuffix("/") ? directory : directory + "/"
        let lexiconPath = base + VaderLexicon.lexiconFileName
        let emojiPath = base + VaderLexicon.emojiLexiconFileName

        var valences: [String: Double] = [:]
        for (number, line) in Self.lines(of: try TextFile.readUTF8(lexiconPath)) where !line.isEmpty {
            let (word, measure) = try Self.firstTwoFields(line, number: number, path: lexiconPath)
            guard let valence = Double(Self.strip(measure)) else {
                throw VaderLexiconError.malformedLine(path: lexiconPath, lineNumber: number, line: String(line))
            }
            valences[String(word)] = valence  // a later duplicate wins, as in a dict
        }

        var emojis: [UInt32: String] = [:]
        // No empty-line skip here: the Python has none for this file (an empty line is an error there).
        for (number, line) in Self.lines(of: try TextFile.readUTF8(emojiPath)) {
            let (emoji, description) = try Self.firstTwoFields(line, number: number, path: emojiPath)
            let scalars = emoji.unicodeScalars
            if scalars.count == 1, let scalar = scalars.first {
                emojis[scalar.value] = String(description)
            }
        }
        self.valences = valences
        self.emojiDescriptions = emojis
    }

    /// `content.rstrip('\n').split('\n')`, numbered from 1. The files have CRLF endings: the "\r"
    /// stays on each line until `strip()` removes it.
    private static func lines(of content: String) -> [(Int, Substring)] {
        var end = content.endIndex
        while end > content.startIndex, content.unicodeScalars[content.unicodeScalars.index(before: end)] == "\n" {
            end = content.unicodeScalars.index(before: end)
        }
        let trimmed = content[..<end]
        return trimmed.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
            .enumerated().map { ($0.offset + 1, Substring($0.element)) }
    }

    /// `line.strip().split('\t')[0:2]`, which must yield two fields.
    private static func firstTwoFields(_ line: Substring, number: Int, path: String) throws -> (Substring, Substring) {
        let fields = strip(line).unicodeScalars.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
        guard fields.count >= 2 else {
            throw VaderLexiconError.malformedLine(path: path, lineNumber: number, line: String(line))
        }
        return (Substring(fields[0]), Substring(fields[1]))
    }

    /// `str.strip()` with Python's whitespace.
    private static func strip(_ text: Substring) -> Substring {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !PythonText.isSpace($0.value) }),
              let last = scalars.lastIndex(where: { !PythonText.isSpace($0.value) })
        else { return "" }
        return Substring(scalars[first...last])
    }
}
