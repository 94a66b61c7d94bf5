/// Dates and times written with words, over tokens: "March 5, 2024", "5 March 2024", "the 5th of
/// March", "March 2024", "Tuesday", "next Tuesday", "last week", "yesterday", "three years ago",
/// "in 2019", "the 1990s", "this morning", "tonight", "noon".
struct WrittenDateScanner {
    let tokens: [Token]

    func scan(into out: inout [Candidate]) {
        var t = 0
        while t < tokens.count {
            if let (end, type, conf) = match(at: t) {
                out.append(Candidate(start: tokens[t].start, end: tokens[end - 1].end, type: type, confidence: conf, tier: Candidate.specific))
                t = end
            } else {
                t += 1
            }
        }
    }

    private func word(_ t: Int) -> String? { t < tokens.count && tokens[t].kind == .word ? tokens[t].lower : nil }
    private func isPunct(_ t: Int, _ p: String) -> Bool { t < tokens.count && tokens[t].kind == .punct && tokens[t].lower == p }

    /// A month-name token (capitalised); abbreviations may carry an attached period. Returns the end.
    private func month(_ t: Int) -> Int? {
        guard t < tokens.count, tokens[t].kind == .word, tokens[t].capitalized, Lexicon.months[tokens[t].lower] != nil else { return nil }
        // "Jan." keeps its period; "May." ends a sentence.
        if Lexicon.abbreviations.contains(tokens[t].lower), isPunct(t + 1, "."), !tokens[t + 1].spaceBefore { return t + 2 }
        return t + 1
    }

    /// A day of the month 1–31, optionally with st/nd/rd/th attached.
    private func day(_ t: Int) -> Int? {
        guard t < tokens.count, tokens[t].kind == .number, let v = Int(tokens[t].lower), v >= 1, v <= 31,
              tokens[t].end - tokens[t].start <= 2 else { return nil }
        if let w = word(t + 1), !tokens[t + 1].spaceBefore {
            return ["st", "nd", "rd", "th"].contains(w) ? t + 2 : nil
        }
        return t + 1
    }

    private func year(_ t: Int) -> Int? {
        guard t < tokens.count, tokens[t].kind == .number, tokens[t].end - tokens[t].start == 4,
              let v = Int(tokens[t].lower), v >= 1000, v <= 2999 else { return nil }
        if t + 1 < tokens.count, !tokens[t + 1].spaceBefore, tokens[t + 1].kind != .punct { return nil }
        return t + 1
    }

    /// A weekday token, with an attached period for abbreviations; returns the end.
    private func weekday(_ t: Int) -> Int? {
        guard t < tokens.count, tokens[t].kind == .word, tokens[t].capitalized, Lexicon.weekdays.contains(tokens[t].lower) else { return nil }
        if !Lexicon.fullWeekdays.contains(tokens[t].lower) {
            // "Sat", "Sun", "Wed" alone are words; accept the abbreviation only before a date.
            var k = t + 1
            if isPunct(k, ".") { k += 1 }
            if isPunct(k, ",") { k += 1 }
            guard month(k) != nil || day(k) != nil else { return nil }
            return isPunct(t + 1, ".") ? t + 2 : t + 1
        }
        return t + 1
    }

    /// Month day[,] [year] | day [of] month [year] | month year, after an optional weekday.
    private func calendarDate(_ t: Int) -> Int? {
        if let m = month(t) {
            if let d = day(m) {
                var e = d
                var k = d
                if isPunct(k, ",") { k += 1 }
                if let y = year(k) { e = y }
                return e
            }
            if let y = year(m) { return y }
            return nil
        }
        // "the 19th of May": the article stays outside, as dateutil and OntoNotes-style spans expect.
        if let d = day(t) {
            var m = d
            if word(m) == "of" { m += 1 }
            // "3 August 27, 1949" is "#3" then "August 27, 1949": leave it to the month-first form.
            if let me = month(m), !tokens[m].sentenceStart, day(me) == nil {
                var k2 = me
                if isPunct(k2, ",") { k2 += 1 }
                return year(k2) ?? me
            }
        }
        return nil
    }

    private func match(at t: Int) -> (Int, EntityType, Double)? {
        let tok = tokens[t]
        // Weekday, optionally followed by a calendar date.
        if let w = weekday(t) {
            var k = w
            if isPunct(k, ",") { k += 1 }
            if let e = calendarDate(k) { return (e, .date, 0.92) }
            return (w, .date, 0.8)
        }
        if let e = calendarDate(t) { return (e, .date, 0.9) }
        // A lone month name (not "May", not an abbreviation: both are words too often).
        if let m = month(t), tok.lower.count > 3, tok.lower != "may", tok.lower != "march" || !tok.sentenceStart {
            return (m, .date, 0.6)
        }
        guard tok.kind == .word || tok.kind == .number else { return nil }
        let w = tok.lower
        if Lexicon.relativeDays.contains(w) { return (t + 1, .date, 0.85) }
        if Lexicon.relativeTimes.contains(w) { return (t + 1, .time, 0.8) }
        // next Tuesday / last week / this morning / the past three years
        if Lexicon.relativeModifiers.contains(w) || (w == "the" && Lexicon.relativeModifiers.contains(word(t + 1) ?? "")) {
            let k = w == "the" ? t + 1 : t
            if let unit = word(k + 1) {
                if Lexicon.periodUnits.contains(unit) || (Lexicon.fullWeekdays.contains(unit) && tokens[k + 1].capitalized) {
                    return (k + 2, .date, 0.8)
                }
                if Lexicon.dayParts.contains(unit), w == "this" { return (k + 2, .time, 0.75) }
            }
            if let (ne, _) = amount(k + 1), let unit = word(ne), Lexicon.periodUnits.contains(unit) { return (ne + 1, .date, 0.75) }
            if let (ne, _) = amount(k + 1), let unit = word(ne), Lexicon.timeUnits.contains(unit) { return (ne + 1, .time, 0.7) }
            return nil
        }
        // "a three-day visit", "the 10-year bond"
        if let (ne, _) = amount(t), ne + 1 < tokens.count, tokens[ne].lower == "-", !tokens[ne].spaceBefore,
           !tokens[ne + 1].spaceBefore, let unit = word(ne + 1), Lexicon.periodUnits.contains(unit) {
            return (ne + 2, .date, 0.75)
        }
        // "three years ago", "5 days", "two hours"
        if let (ne, _) = amount(t), let unit = word(ne) {
            if Lexicon.periodUnits.contains(unit) {
                if word(ne + 1) == "ago" || word(ne + 1) == "earlier" || word(ne + 1) == "later" { return (ne + 2, .date, 0.8) }
                return (ne + 1, .date, 0.7)
            }
            if Lexicon.timeUnits.contains(unit) { return (ne + 1, .time, 0.7) }
        }
        // "in 2019", "since 1990": the year only.
        if let prev = t > 0 ? tokens[t - 1] : nil, prev.kind == .word, Lexicon.yearPrepositions.contains(prev.lower), let y = year(t) {
            return (y, .date, 0.7)
        }
        // "1835-1902", "(1920)", "circa 1920": years by their punctuation.
        if year(t) != nil, t + 2 < tokens.count, tokens[t + 1].lower == "-" || tokens[t + 1].lower == "\u{2013}",
           let y2 = year(t + 2) {
            return (y2, .date, 0.75)
        }
        if let y = year(t), t >= 1, tokens[t - 1].lower == "(" || tokens[t - 1].lower == "circa", y < tokens.count,
           tokens[y].lower == ")" || tokens[t - 1].lower == "circa", (1500...2099).contains(Int(tokens[t].lower) ?? 0) {
            return (y, .date, 0.6)
        }
        // "the 1990s", "1980s"
        if tok.kind == .number, tok.end - tok.start == 4, tok.lower.hasSuffix("0"), t + 1 < tokens.count,
           !tokens[t + 1].spaceBefore, tokens[t + 1].lower == "s" {
            return (t + 2, .date, 0.8)
        }
        return nil
    }

    /// A number: digits, or number words ("twenty-one", "three hundred"); returns end and value hint.
    func amount(_ t: Int) -> (Int, Double)? { NumberReader.read(tokens, t) }
}
