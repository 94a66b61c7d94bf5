/// Longest matches of the gazetteer's phrase table over tokens (GPE, LOC, known ORG names).
/// A match starts on a capitalised word; inner words must be capitalised or lower-case connectors
/// ("Bay of Bengal", "Rio de Janeiro"); punctuation glued to words ("St. Louis", "Saint-Denis") is
/// skipped as the table's keys skip it.
struct GazetteerMatcher {
    let tokens: [Token]
    let table: PhraseTable
    let firstNames: Set<String>
    let surnames: Set<String>

    /// Single-word places smaller than this (and any that are also personal names) need a locative
    /// cue: "in Lancaster", "Tucson, Arizona". Census name lists and GeoNames overlap heavily
    /// ("Evans", "Shaw", "Franklin" are towns too).
    static let unaidedPopulation = 300_000
    static let locativeCues: Set<String> = [
        "in", "from", "to", "at", "near", "of", "outside", "across", "via", "into", "around", "toward", "towards",
        "throughout", "within", "between", "visit", "visited", "visiting", "flew", "moved", "based", "capital",
    ]

    static let connectors: Set<String> = [
        "of", "the", "de", "la", "le", "les", "du", "des", "and", "on", "upon", "am", "an", "der", "di", "da",
        "el", "al", "sur", "y", "en", "do", "dos", "das", "del", "della", "&", "es", "e", "im", "aan", "op", "na",
        "sul", "sobre", "in", "by", "under", "sous", "lès", "las", "los", "ez", "et",
    ]

    func scan(into out: inout [Candidate]) {
        for t in tokens.indices where tokens[t].kind == .word && tokens[t].capitalized {
            guard let (end, entry) = longest(from: t) else { continue }
            let single = end - t == 1
            if single, entry.rank <= Gazetteer.Rank.subdivision, !singleWordPlaceOK(t, entry) { continue }
            let confidence = single ? entry.confidence : max(entry.confidence, 0.85)
            out.append(Candidate(start: tokens[t].start, end: tokens[end - 1].end, type: entry.type!,
                                 confidence: confidence, tier: Candidate.specific))
        }
    }

    /// Whether a one-word city or subdivision stands as a place here (see `unaidedPopulation`).
    private func singleWordPlaceOK(_ t: Int, _ entry: PhraseTable.Entry) -> Bool {
        let tok = tokens[t]
        // "B. Franklin", "W. Somerset Maugham": after an initial it is a name.
        if t >= 2, tokens[t - 1].lower == ".", tokens[t - 2].kind == .word, tokens[t - 2].end - tokens[t - 2].start == 1,
           tokens[t - 2].capitalized {
            return false
        }
        // "Vladimir Il'ich Lenin", "Kin Hubbard", "Exeter Jail": a smaller place directly followed by
        // another capitalised word is more often part of a name than the place itself.
        if t + 1 < tokens.count, tokens[t + 1].kind == .word, tokens[t + 1].capitalized, entry.population < 1_000_000,
           entry.rank == Gazetteer.Rank.city {
            return false
        }
        let isName = firstNames.contains(tok.lower) || surnames.contains(tok.lower)
        let big = entry.rank == Gazetteer.Rank.subdivision || entry.population >= GazetteerMatcher.unaidedPopulation
        if big, !isName, !tok.sentenceStart || entry.population >= 1_000_000 { return true }
        if t >= 1, tokens[t - 1].kind == .word, GazetteerMatcher.locativeCues.contains(tokens[t - 1].lower), !tok.sentenceStart {
            return true
        }
        // "Tucson, Arizona", "Victoria and New South Wales": followed by a comma or a conjunction and another place.
        if t + 2 < tokens.count, [",", "and", "or"].contains(tokens[t + 1].lower), tokens[t + 2].capitalized,
           let (_, next) = longest(from: t + 2), next.rank >= Gazetteer.Rank.subdivision, next.type == .gpe || next.type == .loc {
            return true
        }
        // "New South Wales and Victoria": after a conjunction that follows another place.
        if t >= 2, [",", "and", "or"].contains(tokens[t - 1].lower) {
            for s in stride(from: t - 2, through: max(0, t - 5), by: -1) where tokens[s].capitalized {
                if let (end, prev) = longest(from: s), end == t - 1, prev.rank >= Gazetteer.Rank.subdivision,
                   prev.type == .gpe || prev.type == .loc {
                    return true
                }
            }
        }
        return false
    }

    /// The end token and entry of the longest key starting at `t`.
    func longest(from t: Int) -> (Int, PhraseTable.Entry)? {
        var key = tokens[t].lower
        var k = t
        var best: (Int, PhraseTable.Entry)? = nil
        var pieces = 1
        while true {
            guard let entry = table.lookup(key) else { break }
            if entry.type != nil, acceptable(entry, t, k + 1) { best = (k + 1, entry) }
            guard entry.isPrefix, pieces < table.maxPieces else { break }
            // Next piece: skip glued '.', '-', '\'' ; keep '&'; stop at anything else.
            var n = k + 1
            while n < tokens.count, tokens[n].kind == .punct, tokens[n].lower != "&" {
                let p = tokens[n].lower
                guard (p == "." || p == "-" || p == "'" || p == "\u{2019}"), !tokens[n].spaceBefore else { return best }
                n += 1
            }
            guard n < tokens.count, n > k + 1 || tokens[n].spaceBefore || tokens[n].kind != tokens[k].kind else { break }
            let tok = tokens[n]
            let possessive = tok.lower == "s" && n > k + 1 && !tok.spaceBefore  // "McDonald's", "St. John's"
            // After a glued hyphen a lower-case part belongs to the name ("Anyang-si", "Chang-hua").
            let hyphenated = n > k + 1 && tokens[n - 1].lower == "-" && !tok.spaceBefore
            if tok.kind == .word, !tok.hasUpper, !possessive, !hyphenated, !GazetteerMatcher.connectors.contains(tok.lower) { break }
            key += " " + tok.lower
            k = n
            pieces += 1
        }
        return best
    }

    /// Capitals where the entry needs them ("WHO", "US"), and the span ends on a capitalised word.
    private func acceptable(_ entry: PhraseTable.Entry, _ s: Int, _ e: Int) -> Bool {
        guard let last = tokens[s..<e].last(where: { $0.kind == .word }) else { return false }
        let glued = !last.spaceBefore && e - s >= 2  // "St. John's", "Anyang-si"
        guard last.hasUpper || glued else { return false }
        if entry.allCapsOnly {
            for tok in tokens[s..<e] where tok.kind == .word && tok.lower.unicodeScalars.count > 1 && !tok.allCaps { return false }
        }
        // A match must not continue into a glued word ("Paris-based" is still Paris; "Parisian" is not a match at all).
        return true
    }
}
