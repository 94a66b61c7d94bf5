/// A proposed span before overlap resolution.
struct Candidate {
    let start: Int
    let end: Int
    let type: EntityType
    let confidence: Double
    /// Strength of the kind of evidence; overlaps are won by tier first, then length, then confidence.
    let tier: Int

    var length: Int { end - start }

    /// Structural grammars: a match is almost certainly what it looks like (EMAIL, URL, IP, PHONE).
    static let structural = 3
    /// Specific evidence: numeric shapes with units, list or suffix matches, titles, first names.
    static let specific = 2
    /// Weak evidence: bare numbers, capitalisation alone.
    static let weak = 1
}
