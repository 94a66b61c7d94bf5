/// IPv4 dotted quads and IPv6 addresses, validated with the rules of Python's `ipaddress` (the
/// oracle): IPv4 octets 0–255 without leading zeros; IPv6 eight hextets, or fewer around one `::`,
/// optionally ending in an embedded IPv4. Zones (`%eth0`) and prefixes (`/64`) are left outside.
enum IPScanner {
    static func scan(_ cps: [UInt32], into out: inout [Candidate]) {
        let n = cps.count
        var i = 0
        while i < n {
            let c = cps[i]
            guard isHexDigit(c) || c == 0x3A else { i += 1; continue }
            let prev = cps.at(i - 1)
            // A colon before is an IPv6 run's middle, unless it ends a label ("IP:10.0.0.1", "IP:::1").
            // ("Note:10.0.0.1": before a digit any letter will do, an IPv6 run would have started earlier.)
            let labelColon = prev == 0x3A && isLetter(cps.at(i - 2)) && (!isHexDigit(cps.at(i - 2)) || isASCIIDigit(c))
            if isWordChar(prev) || (prev == 0x3A && !labelColon) || prev == 0x2E || prev == 0x2D {
                i += 1
                continue
            }
            // The maximal run of [0-9A-Fa-f:.]; IPv6 when it has two colons, else maybe IPv4.
            var end = i
            var colons = 0
            while end < n, isHexDigit(cps[end]) || cps[end] == 0x3A || cps[end] == 0x2E {
                if cps[end] == 0x3A { colons += 1 }
                end += 1
            }
            if colons >= 2, let e = ipv6End(cps, i, end) {
                out.append(Candidate(start: i, end: e, type: .ip, confidence: 0.97, tier: Candidate.structural))
                i = e
                continue
            }
            if isASCIIDigit(c), let e = ipv4End(cps, from: i), !isWordChar(cps.at(e)) {
                out.append(Candidate(start: i, end: e, type: .ip, confidence: 0.97, tier: Candidate.structural))
                i = e
                continue
            }
            i = max(end, i + 1)
        }
    }

    /// End of a valid dotted quad at `from` not followed by another ".digit", or nil.
    static func ipv4End(_ cps: [UInt32], from: Int) -> Int? {
        var i = from
        for octet in 0..<4 {
            if octet > 0 {
                guard cps.at(i) == 0x2E else { return nil }
                i += 1
            }
            let s = i
            var value = 0
            while i < cps.count, isASCIIDigit(cps[i]), i - s < 4 {
                value = value * 10 + Int(cps[i] - 0x30)
                i += 1
            }
            let len = i - s
            guard len >= 1, len <= 3, value <= 255, !(len > 1 && cps[s] == 0x30) else { return nil }
        }
        if cps.at(i) == 0x2E, isASCIIDigit(cps.at(i + 1)) { return nil }
        return i
    }

    /// The run `s..<e` as an IPv6 address, after taking off a sentence's trailing periods and at most
    /// one trailing colon ("at 2001:db8::1: timeout"); "a::b:::" stays invalid, as `ipaddress` says.
    private static func ipv6End(_ cps: [UInt32], _ s: Int, _ e: Int) -> Int? {
        guard !isWordChar(cps.at(e)) else { return nil }
        var end = e
        while end > s, cps[end - 1] == 0x2E { end -= 1 }
        if end - s >= 2, cps[end - 1] == 0x3A, cps[end - 2] != 0x3A { end -= 1 }
        return end > s && isValidIPv6(cps, s, end) ? end : nil
    }

    /// Python `ipaddress.IPv6Address` rules, plus: at least one hex digit (a bare `::` in code is not
    /// worth reporting).
    static func isValidIPv6(_ cps: [UInt32], _ s: Int, _ e: Int) -> Bool {
        var parts: [(Int, Int)] = []
        var partStart = s
        for k in s..<e where cps[k] == 0x3A {
            parts.append((partStart, k))
            partStart = k + 1
        }
        parts.append((partStart, e))
        guard parts.count >= 3 else { return false }
        var hextetCount = parts.count
        let last = parts[parts.count - 1]
        var ipv4Tail = false
        for k in last.0..<last.1 where cps[k] == 0x2E { ipv4Tail = true; break }
        if ipv4Tail {
            guard ipv4End(cps, from: last.0) == last.1 else { return false }
            hextetCount += 1  // the quad counts as two hextets
        }
        guard hextetCount <= 9 else { return false }
        var hasHex = false
        for k in s..<e where isHexDigit(cps[k]) { hasHex = true; break }
        guard hasHex else { return false }
        // Hextets: 1–4 hex digits, or empty for the one `::`.
        var skip = -1
        for (index, part) in parts.enumerated() {
            if ipv4Tail, index == parts.count - 1 { continue }
            let len = part.1 - part.0
            if len == 0 {
                if index == 0 || index == parts.count - 1 { continue }
                if skip >= 0 { return false }
                skip = index
                continue
            }
            guard len <= 4 else { return false }
            for k in part.0..<part.1 where !isHexDigit(cps[k]) { return false }
        }
        let firstEmpty = parts[0].1 == parts[0].0
        let lastEmpty = !ipv4Tail && parts[parts.count - 1].1 == parts[parts.count - 1].0
        if skip >= 0 {
            var hi = skip, lo = hextetCount - skip - 1
            if firstEmpty { hi -= 1; if hi != 0 { return false } }
            if lastEmpty { lo -= 1; if lo != 0 { return false } }
            return 8 - (hi + lo) >= 1
        }
        return hextetCount == 8 && !firstEmpty && !lastEmpty
    }
}
