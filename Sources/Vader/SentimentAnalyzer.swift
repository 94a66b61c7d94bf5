/// VADER (Hutto & Gilbert, 2014) as vaderSentiment 3.3.2's `SentimentIntensityAnalyzer`: the same
/// scores, to the last rounded digit, for any text, including the library's quirks.
public struct SentimentAnalyzer: Sendable {
    let words: WordTable
    let emojis: EmojiTable

    public init(lexicon: VaderLexicon) {
        words = WordTable(lexicon: lexicon)
        emojis = EmojiTable(lexicon: lexicon)
    }

    /// `polarity_scores(text)`.
    public func polarityScores(_ text: String) -> SentimentScores {
        let sentiText = SentiText(text, emojis: emojis, words: words)
        let tokens = sentiText.tokens
        var sentiments: [Double] = []
        sentiments.reserveCapacity(tokens.count)
        for index in tokens.indices {
            let token = tokens[index]
            // Boosters and "kind of" modify the next word and carry no sentiment of their own.
            if token.booster != nil
                || (index < tokens.count - 1 && token.is(.kind) && tokens[index + 1].is(.of)) {
                sentiments.append(0)
                continue
            }
            sentiments.append(valence(at: index, of: sentiText))
        }
        applyButWeighting(tokens, &sentiments)
        return SentimentScores(
            sentiments: sentiments,
            exclamationMarks: sentiText.exclamationMarks,
            questionMarks: sentiText.questionMarks
        )
    }
}
