/// Reads a number at a token: a digit token ("1,200.50"), or a run of number words ("three",
/// "twenty-one", "one hundred and five", "a dozen" is not taken). Returns the token end and value.
enum NumberReader {
    static let maxWords = 12

    static func read(_ tokens: [Token], _ t: Int) -> (Int, Double)? {
        guard t < tokens.count else { return nil }
        let tok = tokens[t]
        if tok.kind == .number {
            // Digits glued to letters are codes, not numbers: "COVID-19", "G7", "3D", "B2B".
            if t > 0, !tok.spaceBefore, tokens[t - 1].kind == .word { return nil }
            if t > 1, !tok.spaceBefore, tokens[t - 1].lower == "-", !tokens[t - 1].spaceBefore, tokens[t - 2].kind == .word { return nil }
            return (t + 1, parseDigits(tok.lower))
        }
        guard tok.kind == .word, Lexicon.numberWords[tok.lower] != nil else { return nil }
        var total = 0.0, current = 0.0
        var k = t
        var end = t
        // Bounded: a run of number words is short in prose, and callers probe every token.
        while k < tokens.count, k - t < maxWords, tokens[k].kind == .word {
            let w = tokens[k].lower
            if let v = Lexicon.numberWords[w] {
                current += Double(v)
                end = k + 1
                k += 1
                // twenty-one
                if k + 1 < tokens.count, tokens[k].lower == "-", !tokens[k].spaceBefore, !tokens[k + 1].spaceBefore,
                   let u = Lexicon.numberWords[tokens[k + 1].lower], u < 10, v >= 20 {
                    current += Double(u)
                    end = k + 2
                    k += 2
                }
            } else if w == "hundred", end > t {
                current *= 100; end = k + 1; k += 1
            } else if let scale = ["thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12][w], end > t {
                total += current * scale; current = 0; end = k + 1; k += 1
            } else if w == "and", end > t, k + 1 < tokens.count, Lexicon.numberWords[tokens[k + 1].lower] != nil,
                      k > 0, tokens[k - 1].lower == "hundred" {
                k += 1
            } else {
                break
            }
        }
        return end > t ? (end, total + current) : nil
    }

    /// Value of a digit token: ',' groups thousands, the last '.' starts the fraction (English style).
    static func parseDigits(_ s: String) -> Double {
        var v = 0.0, frac = 0.0, scale = 1.0, inFrac = false
        let lastDot = s.utf8.lastIndex(of: 0x2E)
        var index = s.utf8.startIndex
        for b in s.utf8 {
            if b >= 0x30 && b <= 0x39 {
                let d = Double(b - 0x30)
                if inFrac { scale /= 10; frac += d * scale } else { v = v * 10 + d }
            } else if index == lastDot {
                inFrac = true
            }
            index = s.utf8.index(after: index)
        }
        return v + frac
    }
}
