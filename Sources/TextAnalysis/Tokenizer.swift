/// Words and paragraphs of a text, by code-point offsets.
/// A word is a run of letters, digits and combining marks; an apostrophe or hyphen between two such
/// characters joins them ("don't", "well-known"), and so does a period or comma between two digits
/// ("1.5", "10,000"), so a number counts once.
public enum Tokenizer {
    public static func words(in text: String) -> [TextSpan] {
        let scalars = Array(text.unicodeScalars)
        return wordRanges(in: scalars, scalars.indices).map { TextSpan(scalars, $0) }
    }

    /// How many words `words(in:)` finds, without making them.
    public static func wordCount(in text: String) -> Int {
        let scalars = Array(text.unicodeScalars)
        return wordRanges(in: scalars, scalars.indices).count
    }

    /// Paragraphs: the text between blank lines, trimmed, empty ones dropped.
    public static func paragraphs(in text: String) -> [TextSpan] {
        let scalars = Array(text.unicodeScalars)
        var result: [TextSpan] = []
        var start = 0, index = 0
        while index < scalars.count {
            guard Scalars.isNewline(scalars[index]) else {
                index += 1
                continue
            }
            let next = SentenceSplitter.afterLineBreak(scalars, index)
            if next < scalars.count && Scalars.isNewline(scalars[next]) {
                let range = SentenceSplitter.trimmed(scalars, start..<index)
                if !range.isEmpty { result.append(TextSpan(scalars, range)) }
                start = next
            }
            index = next
        }
        let range = SentenceSplitter.trimmed(scalars, start..<scalars.count)
        if !range.isEmpty { result.append(TextSpan(scalars, range)) }
        return result
    }

    static func wordRanges(in scalars: [Unicode.Scalar], _ range: Range<Int>) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var index = range.lowerBound
        while index < range.upperBound {
            guard Scalars.isWordCharacter(scalars[index]) else {
                index += 1
                continue
            }
            let start = index
            index += 1
            while index < range.upperBound {
                if Scalars.isWordCharacter(scalars[index]) {
                    index += 1
                } else if index + 1 < range.upperBound && Scalars.isWordCharacter(scalars[index + 1])
                    && Self.joins(scalars[index - 1], scalars[index], scalars[index + 1])
                {
                    index += 2
                } else {
                    break
                }
            }
            result.append(start..<index)
        }
        return result
    }

    private static func joins(_ before: Unicode.Scalar, _ joiner: Unicode.Scalar, _ after: Unicode.Scalar) -> Bool {
        if Scalars.isApostrophe(joiner) || Scalars.isHyphen(joiner) { return true }
        return (joiner == "." || joiner == ",") && Scalars.isDigit(before) && Scalars.isDigit(after)
    }
}
