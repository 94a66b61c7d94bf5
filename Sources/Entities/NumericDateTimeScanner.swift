/// Dates and times written with digits: ISO 8601 (`2024-03-05`, `2024-03-05T10:00:00Z`,
/// `2024-03-05 10:00`), numeric day/month/year (`05/03/2024`, `5.3.2024`, `3/5/24`), and clock times
/// (`10:30`, `10:30:15`, `10:30 pm`, `3pm`, `3 p.m.`, with an optional zone like UTC, GMT, EST).
enum NumericDateTimeScanner {
    static func scan(_ cps: [UInt32], into out: inout [Candidate]) {
        let n = cps.count
        var i = 0
        while i < n {
            guard isASCIIDigit(cps[i]), !isWordChar(cps.at(i - 1)), !isJoiner(cps.at(i - 1)) || !isASCIIDigit(cps.at(i - 2)) else {
                i += 1
                continue
            }
            if let e = isoDateTime(cps, i) {
                out.append(Candidate(start: i, end: e, type: .date, confidence: 0.95, tier: Candidate.specific))
                i = e
            } else if let e = numericDate(cps, i) {
                out.append(Candidate(start: i, end: e, type: .date, confidence: 0.85, tier: Candidate.specific))
                i = e
            } else if let (e, conf) = clockTime(cps, i) {
                out.append(Candidate(start: i, end: e, type: .time, confidence: conf, tier: Candidate.specific))
                i = e
            } else {
                while i < n, isASCIIDigit(cps[i]) { i += 1 }
            }
        }
    }

    @inline(__always) private static func isJoiner(_ c: UInt32) -> Bool { c == 0x2E || c == 0x2D || c == 0x2F || c == 0x3A || c == 0x2C }

    /// Reads exactly `count` digits at `i`.
    private static func digits(_ cps: [UInt32], _ i: Int, _ count: Int) -> Int? {
        var v = 0
        for k in i..<(i + count) {
            let c = cps.at(k)
            guard isASCIIDigit(c) else { return nil }
            v = v * 10 + Int(c - 0x30)
        }
        return v
    }

    /// Reads 1–`maxCount` digits; returns value and end.
    private static func number(_ cps: [UInt32], _ i: Int, maxCount: Int) -> (Int, Int)? {
        var k = i, v = 0
        while isASCIIDigit(cps.at(k)), k - i < maxCount { v = v * 10 + Int(cps[k] - 0x30); k += 1 }
        guard k > i, !isASCIIDigit(cps.at(k)) else { return nil }
        return (v, k)
    }

    private static func endsCleanly(_ cps: [UInt32], _ e: Int) -> Bool {
        let c = cps.at(e)
        if isWordChar(c) { return false }
        if isJoiner(c), isASCIIDigit(cps.at(e + 1)) { return false }
        return true
    }

    static func isoDateTime(_ cps: [UInt32], _ i: Int) -> Int? {
        guard let year = digits(cps, i, 4), year >= 1000, cps.at(i + 4) == 0x2D,
              let month = digits(cps, i + 5, 2), (1...12).contains(month), cps.at(i + 7) == 0x2D,
              let day = digits(cps, i + 8, 2), (1...31).contains(day) else { return nil }
        var e = i + 10
        // Time part: 'T' or one space, then HH:MM[:SS[.frac]] [Z|±HH[:]MM].
        if cps.at(e) == 0x54 || cps.at(e) == 0x74 || (cps.at(e) == 0x20 && isASCIIDigit(cps.at(e + 1))),
           let t = hms(cps, e + 1) {
            e = t
            if cps.at(e) == 0x5A { e += 1 }
            else if cps.at(e) == 0x2B || cps.at(e) == 0x2D, digits(cps, e + 1, 2) != nil {
                var z = e + 3
                if cps.at(z) == 0x3A { z += 1 }
                if digits(cps, z, 2) != nil { e = z + 2 } else { e += 3 }
            }
        }
        return endsCleanly(cps, e) ? e : nil
    }

    /// HH:MM[:SS[.fraction]] at `i`, 24-hour; its end.
    private static func hms(_ cps: [UInt32], _ i: Int) -> Int? {
        guard let h = digits(cps, i, 2), h <= 24, cps.at(i + 2) == 0x3A, let m = digits(cps, i + 3, 2), m <= 59 else { return nil }
        var e = i + 5
        if cps.at(e) == 0x3A, let s = digits(cps, e + 1, 2), s <= 60 {
            e += 3
            if cps.at(e) == 0x2E || cps.at(e) == 0x2C, isASCIIDigit(cps.at(e + 1)) {
                e += 1
                while isASCIIDigit(cps.at(e)) { e += 1 }
            }
        }
        return e
    }

    /// D/M/Y or M/D/Y with '/', '.', or '-' (the same one twice), year of 4 digits or 2 after '/'.
    static func numericDate(_ cps: [UInt32], _ i: Int) -> Int? {
        guard let (a, e1) = number(cps, i, maxCount: 2) else { return nil }
        let sep = cps.at(e1)
        guard sep == 0x2F || sep == 0x2E || sep == 0x2D else { return nil }
        guard let (b, e2) = number(cps, e1 + 1, maxCount: 2), cps.at(e2) == sep else { return nil }
        guard let (y, e3) = number(cps, e2 + 1, maxCount: 4) else { return nil }
        let yearLen = e3 - e2 - 1
        guard yearLen == 4 || (yearLen == 2 && sep == 0x2F) else { return nil }
        if yearLen == 4, y < 1000 { return nil }
        // One of the two must be a month, the other a day that month can have.
        let dm = (1...12).contains(b) && (1...31).contains(a)
        let md = (1...12).contains(a) && (1...31).contains(b)
        guard dm || md, a > 0, b > 0 else { return nil }
        return endsCleanly(cps, e3) ? e3 : nil
    }

    /// H:MM[:SS] [am|pm|a.m.|p.m.] [zone], H[ ]am|pm, and `H o'clock`.
    static func clockTime(_ cps: [UInt32], _ i: Int) -> (Int, Double)? {
        guard let (h, e1) = number(cps, i, maxCount: 2) else { return nil }
        var e = e1
        var conf = 0.0
        if cps.at(e1) == 0x3A, let m = digits(cps, e1 + 1, 2), m <= 59, !isASCIIDigit(cps.at(e1 + 3)) {
            guard h <= 24 else { return nil }
            e = e1 + 3
            if cps.at(e) == 0x3A, let s = digits(cps, e + 1, 2), s <= 60, !isASCIIDigit(cps.at(e + 3)) { e += 3 }
            conf = 0.8
            if let m = meridiem(cps, e), h >= 1, h <= 12 { e = m; conf = 0.92 }
        } else if let m = meridiem(cps, e1), h >= 1, h <= 12 {
            e = m
            conf = 0.9
        } else if h >= 1, h <= 12, let o = oclock(cps, e1) {
            return (o, 0.85)
        } else {
            return nil
        }
        if let z = zone(cps, e) { e = z }
        guard !isWordChar(cps.at(e)), !(cps.at(e) == 0x3A && isASCIIDigit(cps.at(e + 1))) else { return nil }
        return (e, conf)
    }

    /// End of " am", "pm", " a.m.", "p.m." after `i`, or nil.
    private static func meridiem(_ cps: [UInt32], _ i: Int) -> Int? {
        var k = i
        if cps.at(k) == 0x20 { k += 1 }
        let c = asciiLower(cps.at(k))
        guard c == 0x61 || c == 0x70 else { return nil }
        if asciiLower(cps.at(k + 1)) == 0x6D, !isWordChar(cps.at(k + 2)) { return k + 2 }
        if cps.at(k + 1) == 0x2E, asciiLower(cps.at(k + 2)) == 0x6D {
            return cps.at(k + 3) == 0x2E ? k + 4 : k + 3
        }
        return nil
    }

    private static func oclock(_ cps: [UInt32], _ i: Int) -> Int? {
        guard cps.at(i) == 0x20 else { return nil }
        if cps.matchesLower("o'clock", at: i + 1) { return i + 8 }
        if cps.matchesLower("o\u{2019}clock", at: i + 1) { return i + 8 }
        return nil
    }

    private static let zones = ["utc", "gmt", "est", "edt", "cst", "cdt", "mst", "mdt", "pst", "pdt", "cet", "cest", "bst", "ist", "jst", "aest"]

    /// A following time-zone abbreviation (upper case only, so "est" in prose is not taken).
    private static func zone(_ cps: [UInt32], _ i: Int) -> Int? {
        guard cps.at(i) == 0x20, isASCIIUpper(cps.at(i + 1)) else { return nil }
        for z in zones where cps.matchesLower(z, at: i + 1) {
            let e = i + 1 + z.utf8.count
            var upper = true
            for k in (i + 1)..<e where !isASCIIUpper(cps[k]) { upper = false }
            if upper, !isWordChar(cps.at(e)) { return e }
        }
        return nil
    }
}
