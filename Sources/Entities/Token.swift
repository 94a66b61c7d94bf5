/// A word, a number or one punctuation mark, by code-point range.
struct Token {
    enum Kind { case word, number, punct }
    let kind: Kind
    let start: Int
    let end: Int
    /// Whitespace separates this token from the previous one (attached suffixes: "3pm", "$5", "Inc.").
    let spaceBefore: Bool
    /// Lowercased text, the key for every list lookup.
    let lower: String
    /// First letter uppercase ("Paris", "NASA", "McDonald").
    let capitalized: Bool
    /// Every letter uppercase and at least two of them ("NASA", "UK").
    let allCaps: Bool
    /// Some letter is uppercase ("d'Ivoire", "nell'Emilia" are name words though not capitalised).
    let hasUpper: Bool
    /// Starts a sentence: the first token, or after . ! ? (not after an abbreviation) or a blank line.
    var sentenceStart: Bool
}
