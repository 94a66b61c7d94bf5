/// Counts and readability of a text. Sentences are those of `SentenceSplitter` that hold a word (a line of
/// "***" is none); words are `Tokenizer.words`; syllables are `Syllables.count` summed over the words.
public struct TextStatistics: Sendable, Equatable {
    /// Adults' average silent reading speed for non-fiction (Brysbaert 2019), as the issue asks.
    public static let wordsPerMinute = 238.0

    public let sentenceCount: Int
    public let wordCount: Int
    public let syllableCount: Int
    public let paragraphCount: Int

    public init(sentenceCount: Int, wordCount: Int, syllableCount: Int, paragraphCount: Int) {
        self.sentenceCount = sentenceCount
        self.wordCount = wordCount
        self.syllableCount = syllableCount
        self.paragraphCount = paragraphCount
    }

    public init(text: String) {
        let scalars = Array(text.unicodeScalars)
        var sentences = 0, words = 0, syllables = 0
        for sentence in SentenceSplitter.ranges(in: scalars) {
            let wordRanges = Tokenizer.wordRanges(in: scalars, sentence)
            guard !wordRanges.isEmpty else { continue }
            sentences += 1
            words += wordRanges.count
            for range in wordRanges {
                var view = String.UnicodeScalarView()
                view.append(contentsOf: scalars[range])
                syllables += Syllables.count(String(view))
            }
        }
        self.init(sentenceCount: sentences, wordCount: words, syllableCount: syllables, paragraphCount: Tokenizer.paragraphs(in: text).count)
    }

    /// Words per sentence; nil for a text without a sentence.
    public var averageSentenceLength: Double? {
        sentenceCount > 0 ? Double(wordCount) / Double(sentenceCount) : nil
    }

    /// 206.835 − 1.015·(words/sentences) − 84.6·(syllables/words); nil without words.
    public var fleschReadingEase: Double? {
        guard let ratios else { return nil }
        return 206.835 - 1.015 * ratios.wordsPerSentence - 84.6 * ratios.syllablesPerWord
    }

    /// 0.39·(words/sentences) + 11.8·(syllables/words) − 15.59; nil without words.
    public var fleschKincaidGrade: Double? {
        guard let ratios else { return nil }
        return 0.39 * ratios.wordsPerSentence + 11.8 * ratios.syllablesPerWord - 15.59
    }

    public var readingTimeSeconds: Double {
        Double(wordCount) / Self.wordsPerMinute * 60
    }

    private var ratios: (wordsPerSentence: Double, syllablesPerWord: Double)? {
        guard wordCount > 0, sentenceCount > 0 else { return nil }
        return (Double(wordCount) / Double(sentenceCount), Double(syllableCount) / Double(wordCount))
    }
}
