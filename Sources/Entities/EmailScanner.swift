/// `local@domain.tld` (the dot-atom subset of RFC 5322 that people write): anchored on each '@',
/// scanning left over local-part characters and right over hostname labels. Each '@' scans left at
/// most to the previous '@', so the pass is linear.
enum EmailScanner {
    static func scan(_ cps: [UInt32], into out: inout [Candidate]) {
        let n = cps.count
        for at in 0..<n where cps[at] == 0x40 {
            var start = at
            while start > 0, isLocalChar(cps[start - 1]) { start -= 1 }
            while start < at, cps[start] == 0x2E { start += 1 }  // a sentence's '.' is not the local part
            guard start < at, cps[at - 1] != 0x2E, !hasDoubleDot(cps, start, at) else { continue }
            guard let end = domainEnd(cps, from: at + 1) else { continue }
            if end < n, isWordChar(cps[end]) || cps[end] == 0x40 { continue }
            out.append(Candidate(start: start, end: end, type: .email, confidence: 0.97, tier: Candidate.structural))
        }
    }

    /// End of `label(.label)+` with an alphabetic TLD of two or more letters, or nil.
    static func domainEnd(_ cps: [UInt32], from: Int) -> Int? {
        var i = from
        var labels = 0
        var lastLabelStart = from
        var end: Int? = nil
        while true {
            let labelStart = i
            while i < cps.count, isASCIIAlnum(cps[i]) || cps[i] == 0x2D { i += 1 }
            guard i > labelStart, cps[labelStart] != 0x2D, cps[i - 1] != 0x2D, i - labelStart <= 63 else { break }
            labels += 1
            lastLabelStart = labelStart
            if labels >= 2, isTLD(cps, lastLabelStart, i) { end = i }
            if i + 1 < cps.count, cps[i] == 0x2E, isASCIIAlnum(cps[i + 1]) { i += 1; continue }
            break
        }
        return end
    }

    private static func isTLD(_ cps: [UInt32], _ s: Int, _ e: Int) -> Bool {
        guard e - s >= 2 else { return false }
        for k in s..<e where !isASCIILetter(cps[k]) { return false }
        return true
    }

    @inline(__always) private static func isLocalChar(_ c: UInt32) -> Bool {
        isASCIIAlnum(c) || c == 0x2E || c == 0x5F || c == 0x25 || c == 0x2B || c == 0x2D
    }

    private static func hasDoubleDot(_ cps: [UInt32], _ s: Int, _ e: Int) -> Bool {
        guard e - s >= 2 else { return false }
        for k in s..<(e - 1) where cps[k] == 0x2E && cps[k + 1] == 0x2E { return true }
        return false
    }
}
