/// A rule-based English sentence splitter. A sentence ends at a run of terminators (`.` `!` `?` `…`, so
/// "?!", "..." and ". . ." are one end), followed by any closing quotes or brackets (which stay with it), then
/// whitespace or the end of the text; a blank line (a paragraph break) ends one too. Not every such
/// place is an end:
/// - before a lowercase word, "?", "!" and "..." do not end one ("Why?" he asked), nor a period after an
///   abbreviation ("at 5 p.m. on", "etc. and"); a period after any other word does, since technical prose
///   starts sentences with lowercase names ("... in sys.path. venv installs ...");
/// - after dotted letters ("U.S.", "a.m."), only a common sentence opener ("The", "He", ...) starts a new one;
/// - an elision ("[...]") and a lowercase word after a closing quote or bracket ('"Go." she said') continue one;
/// - after a single period: titles and the like ("Dr. Smith", "e.g. Paris"), words that precede a number
///   ("Jan. 3", "No. 5") when a digit follows, initials ("J. R. R. Tolkien"), and a list number opening its
///   sentence ("1. Install it") do not end one.
/// Sentences inside quotations are sentences: `"Go. Now." he said.` is two, where pysbd keeps a quotation whole.
/// A period inside a token ("1.5", "example.com", "a@b.org") is never a candidate, since whitespace must follow.
public enum SentenceSplitter {
    /// The sentences of `text`, trimmed of surrounding whitespace, with code-point offsets.
    public static func sentences(in text: String) -> [TextSpan] {
        let scalars = Array(text.unicodeScalars)
        return ranges(in: scalars).map { TextSpan(scalars, $0) }
    }

    static func ranges(in scalars: [Unicode.Scalar]) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var start = 0
        func close(at end: Int) {
            let trimmed = Self.trimmed(scalars, start..<end)
            if !trimmed.isEmpty { result.append(trimmed) }
            start = end
        }
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if Scalars.isNewline(scalar) {
                let next = Self.afterLineBreak(scalars, index)
                if next < scalars.count && Scalars.isNewline(scalars[next]) {
                    close(at: index)
                    index = next
                } else {
                    index += 1
                }
                continue
            }
            guard Scalars.isTerminator(scalar) else {
                index += 1
                continue
            }
            // The run: "?!", "...", and the spaced ellipsis ". . ." are one end.
            var runEnd = index
            while runEnd < scalars.count {
                if Scalars.isTerminator(scalars[runEnd]) {
                    runEnd += 1
                } else if scalars[runEnd - 1] == "." && runEnd + 1 < scalars.count && scalars[runEnd] == " " && scalars[runEnd + 1] == "." {
                    runEnd += 2
                } else {
                    break
                }
            }
            var end = runEnd
            while end < scalars.count && Scalars.isClosing(scalars[end]) { end += 1 }
            if (end == scalars.count || Scalars.isSpace(scalars[end]))
                && Self.endsSentence(scalars, sentenceStart: start, run: index..<runEnd, after: end)
            {
                close(at: end)
            }
            index = end
        }
        close(at: scalars.count)
        return result
    }

    /// The index after a line break at `index` ("\r\n" is one) and the spaces and tabs after it.
    static func afterLineBreak(_ scalars: [Unicode.Scalar], _ index: Int) -> Int {
        var next = index + 1
        if scalars[index] == "\r" && next < scalars.count && scalars[next] == "\n" { next += 1 }
        while next < scalars.count && Scalars.isSpace(scalars[next]) && !Scalars.isNewline(scalars[next]) { next += 1 }
        return next
    }

    private static func endsSentence(_ scalars: [Unicode.Scalar], sentenceStart: Int, run: Range<Int>, after: Int) -> Bool {
        // The first letter or digit of what follows, past whitespace and opening quotes or brackets.
        var next = after
        while next < scalars.count && (Scalars.isSpace(scalars[next]) || Scalars.isOpening(scalars[next])) { next += 1 }
        guard next < scalars.count else { return true }
        let following = scalars[next]
        // "[...]" and "(?)" mark an elision or a doubt inside a sentence.
        if run.lowerBound > 0 && (scalars[run.lowerBound - 1] == "[" || scalars[run.lowerBound - 1] == "(") { return false }
        // A lowercase word after a closing quote or bracket continues the sentence: 'It is.' she said.
        if Scalars.isLowercase(following) && (after > run.upperBound) { return false }
        let isPeriod = run.count == 1 && scalars[run.lowerBound] == "."
        guard isPeriod else { return !Scalars.isLowercase(following) }

        // The token the period ends: back to whitespace, without opening punctuation.
        var wordStart = run.lowerBound
        while wordStart > sentenceStart && !Scalars.isSpace(scalars[wordStart - 1]) { wordStart -= 1 }
        while wordStart < run.lowerBound && Scalars.isOpening(scalars[wordStart]) { wordStart += 1 }
        let word = scalars[wordStart..<run.lowerBound]
        guard !word.isEmpty else { return true }

        if word.count == 1 && Scalars.isUppercase(word[word.startIndex]) { return false }  // an initial
        if word.allSatisfy(Scalars.isDigit) && Self.trimmed(scalars, sentenceStart..<wordStart).isEmpty { return false }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: word)
        let key = String(view).lowercased()
        if Scalars.isLowercase(following) { return !Abbreviations.isAbbreviation(key) }
        if Abbreviations.prefixes.contains(key) { return false }
        if Scalars.isDigit(following) && Abbreviations.beforeNumber.contains(key) { return false }
        if Abbreviations.isDotted(key) {
            var nextWord = next
            while nextWord < scalars.count && Scalars.isLetter(scalars[nextWord]) { nextWord += 1 }
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[next..<nextWord])
            return Abbreviations.sentenceStarters.contains(String(view).lowercased())
        }
        return true
    }

    static func trimmed(_ scalars: [Unicode.Scalar], _ range: Range<Int>) -> Range<Int> {
        var lower = range.lowerBound, upper = range.upperBound
        while lower < upper && Scalars.isSpace(scalars[lower]) { lower += 1 }
        while upper > lower && Scalars.isSpace(scalars[upper - 1]) { upper -= 1 }
        return lower..<upper
    }
}
