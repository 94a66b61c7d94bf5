/// A stop-word list, as data the caller loads (the project installs it; it is never compiled in).
/// Words are kept as `Terms.normalize` makes them, so "Don’t" in a text meets "don't" in the list.
public struct StopWords: Sendable {
    public let words: Set<String>

    public init(_ words: some Sequence<String>) {
        self.words = Set(words.map(Terms.normalize).filter { !$0.isEmpty })
    }

    /// One word a line, as stop-words' `english.txt`; blank lines and surrounding whitespace ignored.
    public init(listText: String) {
        self.init(listText.split(whereSeparator: { $0.isNewline }).map { String($0).filter { !$0.isWhitespace } })
    }

    public func contains(_ term: String) -> Bool {
        words.contains(term)
    }
}
