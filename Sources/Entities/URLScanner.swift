/// http(s)/ftp URLs and `www.` hosts, delimited the way linkifiers (GitHub, linkify-it) do: run to
/// whitespace or a character that cannot appear in a URL, then trim trailing sentence punctuation
/// and any closing bracket that has no opening partner inside the URL ("(see http://x.org/a)").
enum URLScanner {
    private static let schemes = ["https://", "http://", "ftp://"]

    static func scan(_ cps: [UInt32], into out: inout [Candidate]) {
        let n = cps.count
        var i = 0
        while i < n {
            let c = cps[i]
            guard c == 0x68 || c == 0x48 || c == 0x66 || c == 0x46 || c == 0x77 || c == 0x57 else { i += 1; continue }
            let prev = cps.at(i - 1)
            guard !isWordChar(prev), prev != 0x2E, prev != 0x40, prev != 0x2F, prev != 0x2D else { i += 1; continue }
            var bodyStart = -1
            for scheme in schemes where cps.matchesLower(scheme, at: i) {
                bodyStart = i + scheme.utf8.count
                break
            }
            var isWWW = false
            if bodyStart < 0, cps.matchesLower("www.", at: i) { bodyStart = i + 4; isWWW = true }
            guard bodyStart >= 0 else { i += 1; continue }
            var end = bodyStart
            while end < n, isURLChar(cps[end]) { end += 1 }
            end = trimmedEnd(cps, i, end)
            if hasHost(cps, bodyStart, end, needsDot: isWWW) {
                out.append(Candidate(start: i, end: end, type: .url, confidence: 0.97, tier: Candidate.structural))
                i = end
            } else {
                i += 1
            }
        }
    }

    private static func isURLChar(_ c: UInt32) -> Bool {
        if isSpace(c) || c < 0x20 || c == 0x7F { return false }
        switch c {
        case 0x3C, 0x3E, 0x22, 0x60, 0x7B, 0x7D, 0x7C, 0x5C, 0x5E: return false  // < > " ` { } | \ ^
        case 0x201C, 0x201D, 0x2018, 0x2019, 0xAB, 0xBB, 0x3001, 0x3002, 0xFF0C, 0x2026: return false
        default: return true
        }
    }

    /// Drops trailing . , : ; ! ? ' * and unbalanced ) ] until stable. Bracket counts are taken once
    /// and updated as characters drop off, so a URL ending in many ')' stays linear.
    private static func trimmedEnd(_ cps: [UInt32], _ start: Int, _ end: Int) -> Int {
        var parens = 0, brackets = 0  // closes minus opens
        for k in start..<end {
            switch cps[k] {
            case 0x28: parens -= 1
            case 0x29: parens += 1
            case 0x5B: brackets -= 1
            case 0x5D: brackets += 1
            default: break
            }
        }
        var e = end
        while e > start {
            switch cps[e - 1] {
            case 0x2E, 0x2C, 0x3A, 0x3B, 0x21, 0x3F, 0x27, 0x2A:
                e -= 1
            case 0x29 where parens > 0:
                parens -= 1
                e -= 1
            case 0x5D where brackets > 0:
                brackets -= 1
                e -= 1
            default:
                return e
            }
        }
        return e
    }

    /// A host begins the body: an alphanumeric label (or an IPv6 literal in brackets); `www.` needs
    /// a further dotted label ("www.example.com", not "www.").
    private static func hasHost(_ cps: [UInt32], _ s: Int, _ e: Int, needsDot: Bool) -> Bool {
        guard s < e else { return false }
        if cps[s] == 0x5B { return true }
        guard isASCIIAlnum(cps[s]) || cps[s] > 0x7F else { return false }
        guard needsDot else { return true }
        var k = s
        var sawLabel = false
        while k < e, cps[k] != 0x2F, cps[k] != 0x3F, cps[k] != 0x23, cps[k] != 0x3A {
            if cps[k] == 0x2E { if sawLabel, k + 1 < e, isWordChar(cps[k + 1]) { return true } } else { sawLabel = true }
            k += 1
        }
        return false
    }
}
