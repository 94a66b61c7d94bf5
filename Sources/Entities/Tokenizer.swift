/// Splits code points into tokens for the list-driven matchers (dates in words, quantities,
/// gazetteer, organisations, people). The regular grammars (email, URL, IP, phone, numeric dates)
/// scan the code points directly instead, because their shapes cut across word boundaries.
enum Tokenizer {
    static func tokenize(_ cps: [UInt32]) -> [Token] {
        var tokens: [Token] = []
        tokens.reserveCapacity(cps.count / 4)
        var i = 0
        var sawSpace = true
        var newlines = 0
        let n = cps.count
        while i < n {
            let c = cps[i]
            if isSpace(c) {
                sawSpace = true
                if c == 0x0A { newlines += 1 }
                i += 1
                continue
            }
            let start = i
            var kind = Token.Kind.punct
            if isASCIIDigit(c) {
                // 1,200.50 / 3.2 / 1.200,50: separators only between digits.
                kind = .number
                i += 1
                while i < n {
                    if isASCIIDigit(cps[i]) { i += 1; continue }
                    if (cps[i] == 0x2C || cps[i] == 0x2E), i + 1 < n, isASCIIDigit(cps[i + 1]) { i += 2; continue }
                    break
                }
            } else if isLetter(c) {
                // Letters and combining marks; an apostrophe followed by a letter stays inside (O'Brien, Macy's).
                kind = .word
                i += 1
                while i < n {
                    let d = cps[i]
                    if isLetter(d) || isCombiningMark(d) { i += 1; continue }
                    if (d == 0x27 || d == 0x2019), i + 1 < n, isLetter(cps[i + 1]) {
                        // A possessive "'s" is its own token ("Robinson's" -> "Robinson" "'" "s").
                        if cps[i + 1] | 0x20 == 0x73, i + 2 >= n || !isLetter(cps[i + 2]) { break }
                        i += 2
                        continue
                    }
                    break
                }
            } else {
                i += 1
            }
            let lower = kind == .punct ? slice(cps, start, i) : slice(cps, start, i).lowercased()
            var upper = 0, letters = 0
            if kind == .word {
                for k in start..<i where isLetter(cps[k]) {
                    letters += 1
                    if isUpperLetter(cps[k]) { upper += 1 }
                }
            }
            let capitalized = kind == .word && isUpperLetter(cps[start])
            let sentenceStart = tokens.isEmpty || newlines >= 2 || endsSentence(tokens)
            tokens.append(Token(kind: kind, start: start, end: i, spaceBefore: sawSpace, lower: lower,
                                capitalized: capitalized, allCaps: letters >= 2 && upper == letters, hasUpper: upper > 0,
                                sentenceStart: sentenceStart))
            sawSpace = false
            newlines = 0
        }
        return tokens
    }

    /// Whether the tokens so far end a sentence: a terminal mark, or a bullet/colon line start, not
    /// the period of an abbreviation ("Mr.", "Dr.", "U.S.", "J.").
    private static func endsSentence(_ tokens: [Token]) -> Bool {
        guard let last = tokens.last, last.kind == .punct else { return false }
        switch last.lower {
        case "!", "?", "•": return true
        case ".":
            guard tokens.count >= 2 else { return true }
            let prev = tokens[tokens.count - 2]
            if prev.kind == .word, prev.end == last.start {
                if Lexicon.abbreviations.contains(prev.lower) { return false }
                if prev.end - prev.start == 1, prev.capitalized { return false }  // an initial
            }
            return true
        default: return false
        }
    }

    @inline(__always) private static func isCombiningMark(_ c: UInt32) -> Bool {
        guard c >= 0x300, let s = Unicode.Scalar(c) else { return false }
        switch s.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: return false
        }
    }
}
