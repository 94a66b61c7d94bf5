/// Picks a non-overlapping subset of candidates: strongest tier first, then the longest span (the most
/// specific: "$5 million" over "5", "University of Paris" over "Paris", a URL over the email-like
/// part inside it), then the highest confidence. Greedy over that order; the overlap test is a
/// per-code-point occupancy map, so the whole pass is O(k log k + total span length).
enum SpanResolver {
    static func resolve(_ candidates: [Candidate], textLength: Int) -> [Candidate] {
        let ordered = candidates.enumerated().sorted { a, b in
            let x = a.element, y = b.element
            if x.tier != y.tier { return x.tier > y.tier }
            if x.length != y.length { return x.length > y.length }
            if x.confidence != y.confidence { return x.confidence > y.confidence }
            if x.start != y.start { return x.start < y.start }
            return a.offset < b.offset  // stable: earlier scanners win exact ties
        }
        var occupied = [Bool](repeating: false, count: textLength)
        var accepted: [Candidate] = []
        outer: for (_, c) in ordered where c.length > 0 && c.start >= 0 && c.end <= textLength {
            for i in c.start..<c.end where occupied[i] { continue outer }
            for i in c.start..<c.end { occupied[i] = true }
            accepted.append(c)
        }
        accepted.sort { $0.start < $1.start }
        return accepted
    }
}
