/// People: capitalised names after a title ("Dr. Jane Goodall", "President Macron"), names that
/// start with a known first name ("Tim Cook", "Angela Merkel"), and, weakly, capitalised pairs that
/// end in a known surname. The title stays outside the span, as in OntoNotes. A sentence's first
/// word alone is never evidence: it must be a known first name or be followed by more name words.
struct PersonMatcher {
    let tokens: [Token]
    let firstNames: Set<String>
    let surnames: Set<String>

    func scan(into out: inout [Candidate]) {
        var t = 0
        while t < tokens.count {
            let tok = tokens[t]
            guard tok.kind == .word, tok.capitalized || Lexicon.personTitles.contains(tok.lower) && tok.allCaps else { t += 1; continue }
            // Title + name.
            if Lexicon.personTitles.contains(tok.lower), tok.capitalized {
                var k = t + 1
                if k < tokens.count, tokens[k].lower == ".", !tokens[k].spaceBefore { k += 1 }
                // "Chief Executive Officer Andy Jassy", "Prime Minister Rishi Sunak": skip the rest of the title.
                while k < tokens.count, tokens[k].kind == .word, tokens[k].capitalized || tokens[k].allCaps,
                      Lexicon.roleWords.contains(tokens[k].lower) || Lexicon.personTitles.contains(tokens[k].lower) {
                    k += 1
                }
                if let e = nameEnd(from: k, maxWords: 4), isPlausibleName(k, e) {
                    out.append(candidate(k, e, 0.85))
                    t = e
                    continue
                }
            }
            // Known first name + surname(s).
            if isFirstName(t), let e = nameEnd(from: t + 1, maxWords: 3, allowInitials: true, wordsBefore: 1) {
                let lastWord = tokens[t..<e].last(where: { $0.kind == .word })!
                let known = surnames.contains(lastWord.lower)
                out.append(candidate(t, e, known ? 0.8 : 0.7))
                t = e
                continue
            }
            // A sentence-initial first name that is also a word ("Grace", "Hope") needs a known surname after it.
            if tok.sentenceStart, tok.capitalized, !tok.allCaps, firstNames.contains(tok.lower), !Lexicon.functionWords.contains(tok.lower),
               t + 1 < tokens.count, tokens[t + 1].kind == .word, tokens[t + 1].capitalized, !tokens[t + 1].allCaps,
               surnames.contains(tokens[t + 1].lower), !Lexicon.commonCapitalized.contains(tokens[t + 1].lower),
               !isRole(tokens[t + 1].lower) {
                out.append(candidate(t, t + 2, 0.7))
                t += 2
                continue
            }
            // A first name alone, mid-sentence ("said Sarah"): weak.
            if isFirstName(t), !tok.sentenceStart, !tok.allCaps {
                out.append(Candidate(start: tok.start, end: tok.end, type: .person, confidence: 0.45, tier: Candidate.weak))
                t += 1
                continue
            }
            // Capitalised word + known surname, neither a common word: weak.
            if !Lexicon.commonCapitalized.contains(tok.lower), !tok.allCaps, !afterDeterminer(t), let e = nameEnd(from: t + 1, maxWords: 2), e - t == 2, !tokens[t + 1].allCaps,
               surnames.contains(tokens[t + 1].lower), !Lexicon.commonCapitalized.contains(tokens[t + 1].lower),
               !isRole(tokens[t + 1].lower), !isRole(tok.lower) {
                out.append(Candidate(start: tok.start, end: tokens[e - 1].end, type: .person, confidence: 0.4, tier: Candidate.weak))
                t = e
                continue
            }
            t += 1
        }
    }

    /// Titles and role words are surnames too in the census list ("Chancellor", "Leader").
    private func isRole(_ w: String) -> Bool { Lexicon.personTitles.contains(w) || Lexicon.roleWords.contains(w) }

    /// "the Toy Story movies", "as Project Leader": a determiner before capitalised words makes
    /// them a title or a thing, not a person's name.
    private func afterDeterminer(_ t: Int) -> Bool {
        guard t >= 1, tokens[t - 1].kind == .word else { return false }
        return ["the", "a", "an", "as", "this", "that", "these", "those", "our", "his", "her", "their", "its", "my", "your"]
            .contains(tokens[t - 1].lower)
    }

    private func candidate(_ s: Int, _ e: Int, _ conf: Double) -> Candidate {
        Candidate(start: tokens[s].start, end: tokens[e - 1].end, type: .person, confidence: conf, tier: Candidate.specific)
    }

    private func isFirstName(_ t: Int) -> Bool {
        let tok = tokens[t]
        guard tok.kind == .word, tok.capitalized, firstNames.contains(tok.lower) else { return false }
        if Lexicon.months[tok.lower] != nil || Lexicon.weekdays.contains(tok.lower) || Lexicon.functionWords.contains(tok.lower) { return false }
        return !(tok.sentenceStart && Lexicon.commonCapitalized.contains(tok.lower))
    }

    /// The end of 1…maxWords name words from `k`: capitalised words not in the common list, initials
    /// ("J."), inner particles ("van", "de"), and a trailing "Jr."/"III".
    private func nameEnd(from k0: Int, maxWords: Int, allowInitials: Bool = true, wordsBefore: Int = 0) -> Int? {
        var k = k0
        var words = 0
        let particlesAllowed = wordsBefore > 0
        var end: Int? = nil
        while k < tokens.count, words < maxWords {
            let tok = tokens[k]
            guard tok.kind == .word else { break }
            if tok.capitalized, !Lexicon.commonCapitalized.contains(tok.lower) || (words > 0 && surnames.contains(tok.lower)),
               Lexicon.months[tok.lower] == nil, !Lexicon.weekdays.contains(tok.lower), !Lexicon.orgSuffixes.contains(tok.lower) {
                words += 1
                k += 1
                // An initial keeps its period: "John F. Kennedy".
                if tok.end - tok.start == 1, allowInitials, k < tokens.count, tokens[k].lower == ".", !tokens[k].spaceBefore {
                    k += 1
                    end = nil
                    continue
                }
                end = k
                if words > 0, k + 1 < tokens.count, tokens[k].lower == ",", Lexicon.nameSuffixes.contains(tokens[k + 1].lower) {
                    k += 2
                    if k < tokens.count, tokens[k].lower == ".", !tokens[k].spaceBefore { k += 1 }
                    return k
                }
                if k < tokens.count, Lexicon.nameSuffixes.contains(tokens[k].lower), tokens[k].capitalized || tokens[k].allCaps {
                    k += 1
                    if k < tokens.count, tokens[k].lower == ".", !tokens[k].spaceBefore { k += 1 }
                    return k
                }
                continue
            }
            // "Ursula von der Leyen", "Lula da Silva": lower-case particles between name words.
            if Lexicon.nameParticles.contains(tok.lower), !tok.capitalized, words > 0 || particlesAllowed {
                var n = k
                while n < tokens.count, n - k < 3, Lexicon.nameParticles.contains(tokens[n].lower), !tokens[n].capitalized { n += 1 }
                guard n < tokens.count, tokens[n].kind == .word, tokens[n].capitalized else { break }
                k = n
                continue
            }
            break
        }
        return end
    }

    /// After a title, reject things that are not names ("President of", "Minister for").
    private func isPlausibleName(_ s: Int, _ e: Int) -> Bool { e > s }
}
