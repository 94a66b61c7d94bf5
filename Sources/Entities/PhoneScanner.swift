/// Telephone numbers in the shapes people write: international (`+14155552671`, `+44 20 7946 0958`,
/// `+1 (415) 555-2671`), North American (`(415) 555-2671`, `415-555-2671`, `415.555.2671`,
/// `1-415-555-2671`) and UK-style trunk-prefixed (`020 7946 0958`, `0161 496 0000`, `07700 900123`).
/// A number is a run of digit groups joined by single separators; the longest group prefix that fits
/// a shape wins. Dates (4-2-2, 2-2-4), years and bare digit runs fit none, so they are left alone.
enum PhoneScanner {
    private struct Group { let start: Int; let end: Int; let paren: Bool; let sep: UInt32 }

    static func scan(_ cps: [UInt32], into out: inout [Candidate]) {
        let n = cps.count
        var i = 0
        while i < n {
            let c = cps[i]
            guard c == 0x2B || c == 0x28 || isASCIIDigit(c) else { i += 1; continue }
            let prev = cps.at(i - 1)
            if isWordChar(prev) || prev == 0x2B || prev == 0x2E || prev == 0x2D || prev == 0x2F || prev == 0x2C
                || prev == 0x3A || prev == 0x24 {
                i += 1
                continue
            }
            let plus = c == 0x2B
            let groups = readGroups(cps, from: plus ? i + 1 : i)
            var matched = false
            var count = groups.count
            while count > 0 {
                let gs = Array(groups[0..<count])
                let end = gs[count - 1].end + (gs[count - 1].paren ? 1 : 0)
                if rightBoundaryOK(cps, end), let confidence = shape(cps, gs, plus: plus) {
                    out.append(Candidate(start: i, end: end, type: .phone, confidence: confidence, tier: Candidate.structural))
                    i = end
                    matched = true
                    break
                }
                count -= 1
            }
            if !matched {
                // Skip the digits just read so a long run is not rescanned from each of its digits.
                i = groups.first.map { max($0.end, i + 1) } ?? i + 1
            }
        }
    }

    /// Digit groups separated by one of ' ', '-', '.', '\u{A0}', or parentheses (one parenthesised group).
    private static func readGroups(_ cps: [UInt32], from: Int) -> [Group] {
        var groups: [Group] = []
        var i = from
        var sep: UInt32 = 0
        var usedParen = false
        while groups.count < 7 {
            var paren = false
            if cps.at(i) == 0x28, !usedParen {
                paren = true
                usedParen = true
                i += 1
            }
            let s = i
            while i < cps.count, isASCIIDigit(cps[i]), i - s < 12 { i += 1 }
            guard i > s, !isASCIIDigit(cps.at(i)) else { break }
            if paren {
                guard cps.at(i) == 0x29 else { break }
                groups.append(Group(start: s, end: i, paren: true, sep: sep))
                i += 1
                // ") " or ")-" or directly the next group.
                let d = cps.at(i)
                if d == 0x20 || d == 0x2D || d == 0xA0 { sep = d; i += 1 } else { sep = 0 }
                guard isASCIIDigit(cps.at(i)) else { break }
                continue
            }
            groups.append(Group(start: s, end: i, paren: false, sep: sep))
            let d = cps.at(i)
            guard d == 0x20 || d == 0x2D || d == 0x2E || d == 0xA0 else { break }
            let next = cps.at(i + 1)
            guard isASCIIDigit(next) || (next == 0x28 && !usedParen) else { break }
            sep = d
            i += 1
        }
        return groups
    }

    private static func rightBoundaryOK(_ cps: [UInt32], _ end: Int) -> Bool {
        let next = cps.at(end)
        if isWordChar(next) || next == 0x2B || next == 0x40 { return false }
        if (next == 0x2D || next == 0x2E || next == 0x2F || next == 0x2C || next == 0x3A), isASCIIDigit(cps.at(end + 1)) { return false }
        return true
    }

    /// The confidence of the shape the groups fit, or nil.
    private static func shape(_ cps: [UInt32], _ gs: [Group], plus: Bool) -> Double? {
        let lens = gs.map { $0.end - $0.start }
        let digits = lens.reduce(0, +)
        let seps = Set(gs.dropFirst().filter { !$0.paren }.map(\.sep))
        if plus {
            // E.164: at most 15 digits; a country code never starts with 0; at least 8 digits in all.
            guard digits >= 8, digits <= 15, cps[gs[0].start] != 0x30, lens[0] <= 4 || gs.count == 1 else { return nil }
            guard seps.count <= 2 else { return nil }
            return 0.95
        }
        // North American: [1-]NXX-NXX-XXXX with one separator style, or (NXX) NXX-XXXX.
        var g = gs
        var l = lens
        if g.count == 4, l[0] == 1, cps[g[0].start] == 0x31 { g.removeFirst(); l.removeFirst() }
        if g.count == 3, l == [3, 3, 4], isN(cps[g[0].start]), isN(cps[g[1].start]) {
            if g[0].paren { return 0.9 }
            let s = Set([g[1].sep, g[2].sep])
            if s.count == 1, s.first != 0 { return 0.9 }
        }
        // Trunk-prefixed national (UK and similar): 0 then 9–10 more digits in 2–3 spaced groups.
        if !gs[0].paren || lens[0] >= 3, cps[gs[0].start] == 0x30, cps.at(gs[0].start + 1) != 0x30,
           gs.count >= 2, gs.count <= 3, digits == 10 || digits == 11, lens[0] >= 3, lens[0] <= 5,
           lens.dropFirst().allSatisfy({ $0 >= 3 }), seps.count == 1, seps.first == 0x20 || seps.first == 0x2D || seps.first == 0xA0 {
            return 0.85
        }
        return nil
    }

    @inline(__always) private static func isN(_ c: UInt32) -> Bool { c >= 0x32 && c <= 0x39 }
}
