// ln for the IDF; the library's one use of the C library.
import Glibc

/// One sentence of a summary: where it is, its place among the sentences, and its score.
public struct SummarySentence: Sendable, Equatable {
    public let sentence: TextSpan
    public let index: Int
    public let score: Double

    public init(sentence: TextSpan, index: Int, score: Double) {
        self.sentence = sentence
        self.index = index
        self.score = score
    }
}

/// An extractive summary by TextRank over TF-IDF sentence similarity:
/// 1. the sentences of `SentenceSplitter`, each a bag of its content terms (`Terms`, without stop words);
/// 2. TF-IDF vectors as scikit-learn's `TfidfVectorizer(smooth_idf=True, sublinear_tf=False, norm="l2")`
///    with the sentences as documents: raw counts × (ln((1 + n)/(1 + df)) + 1), then unit length;
/// 3. a graph whose edge i–j weighs the cosine of the two vectors (no self-loops, no zero-weight edges);
/// 4. PageRank over it (`PageRank`: damping 0.85, tolerance 1e-6, at most 100 iterations);
/// 5. each rank times a position prior 1 + 0.5·(1 − i/n), i counted from 0: the lead sentence weighs 1.5,
///    the last just over 1. Gentle on purpose: it breaks near-ties toward the opening, where news and reports
///    put their point, without letting position outvote content;
/// 6. the `maxSentences` best scores (ties to the earlier sentence), returned in document order.
public struct TextRankSummarizer: Sendable {
    public let stopWords: StopWords
    public var damping = 0.85
    public var tolerance = 1e-6
    public var maxIterations = 100
    /// The prior's weight: 1 + positionWeight·(1 − i/n).
    public var positionWeight = 0.5

    public init(stopWords: StopWords) {
        self.stopWords = stopWords
    }

    public func summarize(_ text: String, maxSentences: Int = 5) -> [SummarySentence] {
        let scalars = Array(text.unicodeScalars)
        let sentences = SentenceSplitter.ranges(in: scalars)
        let scores = self.scores(sentenceTerms: sentences.map { Terms.terms(in: scalars, $0, stopWords: stopWords) })
        let chosen = scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
            .prefix(max(maxSentences, 0)).sorted()
        return chosen.map { SummarySentence(sentence: TextSpan(scalars, sentences[$0]), index: $0, score: scores[$0]) }
    }

    /// The score of every sentence, given each one's content terms in order.
    func scores(sentenceTerms: [[String]]) -> [Double] {
        let n = sentenceTerms.count
        let vectors = Self.tfidfVectors(sentenceTerms)
        var weights = [[(target: Int, weight: Double)]](repeating: [], count: n)
        for i in 0..<n {
            for j in (i + 1)..<max(n, i + 1) {
                let similarity = Self.dot(vectors[i], vectors[j])
                guard similarity > 0 else { continue }
                weights[i].append((j, similarity))
                weights[j].append((i, similarity))
            }
        }
        for i in 0..<n { weights[i].sort { $0.target < $1.target } }  // summed in node order, as networkx
        let ranks = PageRank(damping: damping, tolerance: tolerance, maxIterations: maxIterations).ranks(weights: weights)
        return ranks.enumerated().map { index, rank in
            rank * (1 + positionWeight * (1 - Double(index) / Double(n)))
        }
    }

    /// Sparse unit vectors, (term id, weight) sorted by term id.
    static func tfidfVectors(_ sentenceTerms: [[String]]) -> [[(term: Int, weight: Double)]] {
        var ids: [String: Int] = [:]
        var documentFrequency: [Int] = []
        let counts = sentenceTerms.map { terms -> [Int: Int] in
            var counts: [Int: Int] = [:]
            for term in terms {
                let id = ids[term] ?? {
                    ids[term] = documentFrequency.count
                    documentFrequency.append(0)
                    return documentFrequency.count - 1
                }()
                counts[id, default: 0] += 1
            }
            for id in counts.keys { documentFrequency[id] += 1 }
            return counts
        }
        let n = Double(sentenceTerms.count)
        let idf = documentFrequency.map { (1 + n) / (1 + Double($0)) }.map { log($0) + 1 }
        return counts.map { counts in
            var vector = counts.map { (term: $0.key, weight: Double($0.value) * idf[$0.key]) }.sorted { $0.term < $1.term }
            var norm = 0.0
            for entry in vector { norm += entry.weight * entry.weight }
            norm = norm.squareRoot()
            if norm > 0 { vector = vector.map { ($0.term, $0.weight / norm) } }
            return vector
        }
    }

    private static func dot(_ a: [(term: Int, weight: Double)], _ b: [(term: Int, weight: Double)]) -> Double {
        var i = 0, j = 0, sum = 0.0
        while i < a.count && j < b.count {
            if a[i].term == b[j].term {
                sum += a[i].weight * b[j].weight
                i += 1
                j += 1
            } else if a[i].term < b[j].term {
                i += 1
            } else {
                j += 1
            }
        }
        return sum
    }
}
