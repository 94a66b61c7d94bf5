/// The four scores of `polarity_scores`, rounded as the Python rounds them: `compound` (the
/// normalised sum, -1...1) to 4 decimals, the proportions `pos`, `neu`, `neg` to 3.
public struct SentimentScores: Sendable, Equatable {
    public let compound: Double
    public let pos: Double
    public let neu: Double
    public let neg: Double

    public init(compound: Double, pos: Double, neu: Double, neg: Double) {
        self.compound = compound
        self.pos = pos
        self.neu = neu
        self.neg = neg
    }

    /// `score_valence`: one sentiment per token.
    init(sentiments: [Double], exclamationMarks: Int, questionMarks: Int) {
        guard !sentiments.isEmpty else {
            self.init(compound: 0, pos: 0, neu: 0, neg: 0)
            return
        }
        // Summed in order, as Python 3.11's `sum` does (no compensated summation).
        var sum = 0.0
        for sentiment in sentiments { sum += sentiment }
        let emphasis = Self.punctuationEmphasis(exclamationMarks: exclamationMarks, questionMarks: questionMarks)
        if sum > 0 { sum += emphasis } else if sum < 0 { sum -= emphasis }
        let compound = Self.normalize(sum)

        // Neutral words count 1 each, so sentiment words count 1 + |valence|.
        var positive = 0.0, negative = 0.0, neutralCount = 0
        for sentiment in sentiments {
            if sentiment > 0 { positive += sentiment + 1 }
            if sentiment < 0 { negative += sentiment - 1 }
            if sentiment == 0 { neutralCount += 1 }
        }
        if positive > negative.magnitude { positive += emphasis } else if positive < negative.magnitude { negative -= emphasis }
        let total = positive + negative.magnitude + Double(neutralCount)

        self.init(
            compound: PythonRounding.round(compound, digits: 4),
            pos: PythonRounding.round((positive / total).magnitude, digits: 3),
            neu: PythonRounding.round((Double(neutralCount) / total).magnitude, digits: 3),
            neg: PythonRounding.round((negative / total).magnitude, digits: 3)
        )
    }

    /// `_amplify_ep` + `_amplify_qm`: up to four "!" count; "?" only from two on.
    private static func punctuationEmphasis(exclamationMarks: Int, questionMarks: Int) -> Double {
        let exclamation = Double(min(exclamationMarks, VaderRules.maxExclamationMarks)) * VaderRules.exclamationIncrement
        var question = 0.0
        if questionMarks > 1 {
            question = questionMarks <= 3 ? Double(questionMarks) * VaderRules.questionMarkIncrement : VaderRules.questionMarksCap
        }
        return exclamation + question
    }

    /// `normalize`: score / sqrt(score² + 15), clamped to -1...1.
    private static func normalize(_ score: Double) -> Double {
        let normalized = score / (score * score + VaderRules.normalizationAlpha).squareRoot()
        return min(max(normalized, -1), 1)
    }
}
