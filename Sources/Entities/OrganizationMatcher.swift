/// Organisations by form: capitalised words ending in a corporate or institutional suffix ("Acme
/// Widgets Inc.", "Deutsche Bank", "Harvard University"), and "Head of X" names ("University of
/// Paris", "Federal Reserve Bank of New York", "Ministry of Defence").
struct OrganizationMatcher {
    let tokens: [Token]

    static let legalForms: Set<String> = [
        "inc", "ltd", "llc", "llp", "lp", "gmbh", "ag", "sa", "sas", "sarl", "spa", "srl", "nv", "bv", "plc", "corp", "co",
    ]

    func scan(into out: inout [Candidate]) {
        for t in tokens.indices where tokens[t].kind == .word && tokens[t].capitalized {
            let w = tokens[t].lower
            if Lexicon.orgHeads.contains(w), let e = headOf(t) {
                let s = wordsBefore(t)
                out.append(candidate(s, e, 0.8))
            } else if Lexicon.orgSuffixes.contains(w), !tokens[t].allCaps || OrganizationMatcher.legalForms.contains(w) {
                // In an all-caps headline every word looks like a name; only legal forms (LLC, AG) still count.
                let s = wordsBefore(t, allowComma: OrganizationMatcher.legalForms.contains(w))
                guard s < t else { continue }
                var e = t + 1
                if e < tokens.count, tokens[e].lower == ".", !tokens[e].spaceBefore, w.count <= 4 { e += 1 }
                out.append(candidate(s, e, 0.8))
            }
        }
    }

    private func candidate(_ s: Int, _ e: Int, _ conf: Double) -> Candidate {
        Candidate(start: tokens[s].start, end: tokens[e - 1].end, type: .org, confidence: conf, tier: Candidate.specific)
    }

    private func isNameWord(_ t: Int) -> Bool {
        let tok = tokens[t]
        guard tok.kind == .word, tok.capitalized else { return tok.kind == .punct && tok.lower == "&" }
        if Lexicon.months[tok.lower] != nil || Lexicon.weekdays.contains(tok.lower) { return false }
        if tok.sentenceStart, Lexicon.commonCapitalized.contains(tok.lower) { return false }
        return !["the", "a", "an", "in", "at", "on", "for", "to", "from", "by", "with", "and", "but"].contains(tok.lower)
    }

    /// First token of the capitalised words (and inner connectors) before `t`, or `t` itself.
    private func wordsBefore(_ t: Int, allowComma: Bool = false) -> Int {
        var s = t
        var k = t - 1
        if allowComma, k >= 1, tokens[k].lower == ",", isNameWord(k - 1) { k -= 1 }
        var count = 0
        var steps = 0  // initials and hyphens do not count as words; bound the walk anyway
        while k >= 0, count < 6, steps < 16 {
            steps += 1
            if tokens[k].lower == ".", !tokens[k].spaceBefore, k >= 1, tokens[k - 1].kind == .word,
               tokens[k - 1].capitalized, tokens[k - 1].end - tokens[k - 1].start == 1 {
                k -= 1  // an initial: "J. P. Morgan & Co."
                continue
            }
            if tokens[k].lower == "-", !tokens[k].spaceBefore, k >= 1, isNameWord(k - 1) { k -= 1; continue }
            // "Amazon.com Inc": a capitalised name glued to a domain suffix.
            if ["com", "net", "org", "io"].contains(tokens[k].lower), !tokens[k].spaceBefore, k >= 2,
               tokens[k - 1].lower == ".", !tokens[k - 1].spaceBefore, isNameWord(k - 2) {
                s = k - 2
                count += 1
                k -= 3
                continue
            }
            if isNameWord(k) {
                s = k
                count += 1
                if tokens[k].sentenceStart { break }
                k -= 1
                continue
            }
            // "Bank of America Corp." crosses its "of"; "Jane Smith of Acme Corp." must not, so
            // "of"/"for" are crossed only after an organisation head word.
            let connector = tokens[k].lower
            if connector == "and" || ((connector == "of" || connector == "for") && k >= 1 && Lexicon.orgHeads.contains(tokens[k - 1].lower)),
               k >= 1, isNameWord(k - 1), s == k + 1 {
                k -= 1
                continue
            }
            break
        }
        if s < t, tokens[s].lower == "&" { s += 1 }
        return s
    }

    /// End token of "Head of [the] Capitalised ..." at `t`, or nil.
    private func headOf(_ t: Int) -> Int? {
        var k = t + 1
        guard k < tokens.count, tokens[k].lower == "of" else { return nil }
        k += 1
        if k < tokens.count, tokens[k].lower == "the" { k += 1 }
        var e: Int? = nil
        var count = 0
        var steps = 0
        while k < tokens.count, count < 6, steps < 16 {
            steps += 1
            let tok = tokens[k]
            if tok.kind == .word, tok.capitalized, Lexicon.months[tok.lower] == nil {
                e = k + 1
                count += 1
                k += 1
            } else if tok.kind == .word, ["and", "of", "for", "the"].contains(tok.lower), e != nil,
                      k + 1 < tokens.count, tokens[k + 1].capitalized {
                k += 1
            } else if tok.lower == "&", e != nil {
                k += 1
            } else {
                break
            }
        }
        return e
    }
}
