/// One entry of the Python's `words_and_emoticons`, reduced to what the rules ask of it. The rules
/// only ever look at a token lowercased (lexicon, lists, phrases) or ask `isupper()` of it.
struct Token {
    /// Valence of the lowercased token in the lexicon, if it is there.
    let valence: Double?
    /// BOOSTER_DICT scalar of the lowercased token.
    let booster: Double?
    /// `negated([token])`: in NEGATE, or containing "n't".
    let negates: Bool
    /// Word id for function words and phrase words, else 0.
    let id: UInt16
    /// `token.isupper()`.
    let isUpper: Bool

    var isInLexicon: Bool { valence != nil }

    @inline(__always)
    func `is`(_ word: FunctionWord) -> Bool { id == word.rawValue }
}
