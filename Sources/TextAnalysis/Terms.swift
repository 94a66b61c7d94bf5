/// A term and how often it occurs.
public struct TermCount: Sendable, Equatable {
    public let term: String
    public let count: Int

    public init(term: String, count: Int) {
        self.term = term
        self.count = count
    }
}

/// Content terms: words lowercased, typographic apostrophes made ASCII, stop words and words without a
/// letter (numbers) dropped. The summary's TF-IDF uses the same terms.
public enum Terms {
    /// Lowercased (full Unicode mappings, as Python's `str.lower` except for the final-sigma rule), with
    /// U+2019 made an ASCII apostrophe.
    public static func normalize(_ word: String) -> String {
        String(word.lowercased().map { $0 == "\u{2019}" ? "'" : $0 })
    }

    /// The content terms of `text[range]` in order.
    static func terms(in scalars: [Unicode.Scalar], _ range: Range<Int>, stopWords: StopWords) -> [String] {
        var result: [String] = []
        for word in Tokenizer.wordRanges(in: scalars, range) where scalars[word].contains(where: Scalars.isLetter) {
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[word])
            let term = normalize(String(view))
            if !stopWords.contains(term) { result.append(term) }
        }
        return result
    }

    /// The `limit` most frequent content terms: count descending, then the term in code-point order (as
    /// Python sorts strings), so the result never depends on hashing.
    public static func top(in text: String, stopWords: StopWords, limit: Int) -> [TermCount] {
        let scalars = Array(text.unicodeScalars)
        var counts: [String: Int] = [:]
        for term in terms(in: scalars, scalars.indices, stopWords: stopWords) { counts[term, default: 0] += 1 }
        let sorted = counts.map { TermCount(term: $0.key, count: $0.value) }.sorted {
            $0.count != $1.count ? $0.count > $1.count : precedes($0.term, $1.term)
        }
        return Array(sorted.prefix(max(limit, 0)))
    }

    /// Code-point order: Swift's `<` on String compares canonical equivalence, Python compares code points.
    static func precedes(_ a: String, _ b: String) -> Bool {
        a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars)
    }
}
