/// MONEY, PERCENT and CARDINAL over tokens. An amount is digits or number words, optionally with a
/// magnitude ("5 million", "$3.2bn", "€40m"); money needs a currency symbol, ISO 4217 code or
/// currency word next to it; percentages a '%' or "percent"/"per cent"; every other stand-alone
/// number is a CARDINAL (weak tier, so any longer reading of the same digits wins).
struct QuantityScanner {
    let tokens: [Token]
    let cps: [UInt32]
    let currencyCodes: Set<String>

    func scan(into out: inout [Candidate]) {
        var t = 0
        while t < tokens.count {
            if let (s, e, type, conf) = match(at: t) {
                let tier = type == .cardinal ? Candidate.weak : Candidate.specific
                out.append(Candidate(start: tokens[s].start, end: tokens[e - 1].end, type: type, confidence: conf, tier: tier))
                t = e
            } else {
                t += 1
            }
        }
    }

    private func isSymbol(_ t: Int) -> Bool {
        t < tokens.count && tokens[t].kind == .punct && Lexicon.currencySymbols.contains(cps[tokens[t].start])
    }

    private func isCode(_ t: Int) -> Bool {
        t < tokens.count && tokens[t].kind == .word && tokens[t].end - tokens[t].start == 3
            && tokens[t].allCaps && currencyCodes.contains(tokens[t].lower.uppercased())
    }

    /// Amount plus magnitude: returns the end token.
    private func quantity(_ t: Int) -> Int? {
        guard let (e, _) = NumberReader.read(tokens, t) else { return nil }
        if tokens[t].kind == .number, e < tokens.count, !tokens[e].spaceBefore, tokens[e].kind == .word {
            // Attached letters: only a magnitude abbreviation may follow digits ("3.2bn", "40m", "5k").
            return Lexicon.scaleWords.contains(tokens[e].lower) ? e + 1 : nil
        }
        if e < tokens.count, tokens[e].kind == .word, Lexicon.longScaleWords.contains(tokens[e].lower) { return e + 1 }
        return e
    }

    private func match(at t: Int) -> (Int, Int, EntityType, Double)? {
        // Symbol first: "$5", "US$5", "€ 1,200.50", "$3.2bn", "$5 million".
        var s = t
        if tokens[t].kind == .word, Lexicon.dollarPrefixes.contains(tokens[t].lower), tokens[t].capitalized,
           t + 1 < tokens.count, !tokens[t + 1].spaceBefore, cps[tokens[t + 1].start] == 0x24 {
            s = t  // the prefix belongs to the span
            if let e = quantity(t + 2), tokens[t + 2].kind == .number { return (s, e, .money, 0.95) }
            return nil
        }
        if isSymbol(t), let e = quantity(t + 1), tokens[t + 1].kind == .number, tokens[t + 1].start - tokens[t].end <= 1 {
            return (t, e, .money, 0.95)
        }
        // Code first: "USD 5", "EUR 1.2 million".
        if isCode(t), let e = quantity(t + 1), tokens[t + 1].kind == .number { return (t, e, .money, 0.9) }
        guard let e = quantity(t) else { return nil }
        let isDigits = tokens[t].kind == .number
        if e < tokens.count {
            let next = tokens[e]
            if isSymbol(e), next.start - tokens[e - 1].end <= 1 { return (t, e + 1, .money, 0.9) }  // "5 €", "5€"
            if isCode(e) { return (t, e + 1, .money, 0.9) }                                          // "5 EUR"
            if next.kind == .word, Lexicon.currencyWords.contains(next.lower) {
                // "5 million dollars", "ten euros", "5 US dollars"
                return (t, e + 1, .money, isDigits ? 0.9 : 0.8)
            }
            if next.kind == .word, next.lower == "us" || next.lower == "u.s", e + 1 < tokens.count,
               ["dollar", "dollars"].contains(tokens[e + 1].lower) {
                return (t, e + 2, .money, 0.9)
            }
            if next.kind == .punct, next.lower == "%" { return (t, e + 1, .percent, 0.95) }
            if next.kind == .word, Lexicon.percentWords.contains(next.lower) {
                if next.lower == "percentage", e + 1 < tokens.count, ["point", "points"].contains(tokens[e + 1].lower) {
                    return (t, e + 2, .percent, 0.9)
                }
                return next.lower == "percentage" ? nil : (t, e + 1, .percent, 0.9)
            }
            if next.kind == .word, next.lower == "per", e + 1 < tokens.count, tokens[e + 1].lower == "cent" {
                return (t, e + 2, .percent, 0.9)
            }
        }
        // Ordinals ("5th") and codes are not cardinals; a number word at confidence below digits.
        if isDigits, e < tokens.count, !tokens[e].spaceBefore, tokens[e].kind == .word, !Lexicon.scaleWords.contains(tokens[e].lower) { return nil }
        // "one" is a pronoun as often as a number ("one should never"): lowest confidence.
        return (t, e, .cardinal, isDigits ? 0.7 : tokens[t].lower == "one" && e == t + 1 ? 0.4 : 0.55)
    }
}
