// The constants of vaderSentiment 3.3.2: empirically derived intensities and the word lists its
// rules consult. They are part of the algorithm (the lexicons are data and are read from files).

enum VaderRules {
    /// Mean intensity change for a booster ("very") or dampener ("barely") before a sentiment word.
    static let boosterIncrement = 0.293
    static let boosterDecrement = -0.293
    /// Mean intensity change for a word in ALL CAPS when the rest of the text is not.
    static let capsIncrement = 0.733
    /// Negation flips the valence and damps it (a negated word is weaker than its antonym).
    static let negationScalar = -0.74
    /// Each "!" adds this, for at most `maxExclamationMarks` of them.
    static let exclamationIncrement = 0.292
    static let maxExclamationMarks = 4
    /// Two or three "?" add this each; more than three add `questionMarksCap` in all.
    static let questionMarkIncrement = 0.18
    static let questionMarksCap = 0.96
    /// The `alpha` of `normalize`: sum / sqrt(sum² + alpha) maps any sum into (-1, 1).
    static let normalizationAlpha = 15.0
    /// Modifiers two and three words before a sentiment word count less than the adjacent one.
    static let secondWordDamping = 0.95
    static let thirdWordDamping = 0.9
    /// "never so good", "never this good" (and, through a precedence slip in the Python, any
    /// "so"/"this" right before the word when the third word back is considered).
    static let neverSoBoost = 1.25
    /// Sentiment before "but" counts half, sentiment after it one and a half.
    static let beforeButWeight = 0.5
    static let afterButWeight = 1.5

    /// NEGATE. Any word containing "n't" also negates.
    static let negations: [String] = [
        "aint", "arent", "cannot", "cant", "couldnt", "darent", "didnt", "doesnt",
        "ain't", "aren't", "can't", "couldn't", "daren't", "didn't", "doesn't",
        "dont", "hadnt", "hasnt", "havent", "isnt", "mightnt", "mustnt", "neither",
        "don't", "hadn't", "hasn't", "haven't", "isn't", "mightn't", "mustn't",
        "neednt", "needn't", "never", "none", "nope", "nor", "not", "nothing", "nowhere",
        "oughtnt", "shant", "shouldnt", "uhuh", "wasnt", "werent",
        "oughtn't", "shan't", "shouldn't", "uh-uh", "wasn't", "weren't",
        "without", "wont", "wouldnt", "won't", "wouldn't", "rarely", "seldom", "despite",
    ]

    /// BOOSTER_DICT: degree adverbs. The two-word entries only ever match as bigrams in the
    /// special-idioms step, since a single token never contains a space.
    static let boosters: [(String, Double)] = {
        let up = [
            "absolutely", "amazingly", "awfully", "completely", "considerable", "considerably",
            "decidedly", "deeply", "effing", "enormous", "enormously", "entirely", "especially",
            "exceptional", "exceptionally", "extreme", "extremely", "fabulously", "flipping", "flippin",
            "frackin", "fracking", "fricking", "frickin", "frigging", "friggin", "fully", "fuckin",
            "fucking", "fuggin", "fugging", "greatly", "hella", "highly", "hugely", "incredible",
            "incredibly", "intensely", "major", "majorly", "more", "most", "particularly", "purely",
            "quite", "really", "remarkably", "so", "substantially", "thoroughly", "total", "totally",
            "tremendous", "tremendously", "uber", "unbelievably", "unusually", "utter", "utterly", "very",
        ]
        let down = [
            "almost", "barely", "hardly", "just enough", "kind of", "kinda", "kindof", "kind-of",
            "less", "little", "marginal", "marginally", "occasional", "occasionally", "partly",
            "scarce", "scarcely", "slight", "slightly", "somewhat", "sort of", "sorta", "sortof", "sort-of",
        ]
        return up.map { ($0, boosterIncrement) } + down.map { ($0, boosterDecrement) }
    }()

    /// SPECIAL_CASES: idioms containing lexicon words whose meaning differs from their words'.
    /// ("badass", a single word, can never match: the Python only looks up phrases of 2-3 words.)
    static let specialCases: [(String, Double)] = [
        ("the shit", 3), ("the bomb", 3), ("bad ass", 1.5), ("badass", 1.5), ("bus stop", 0.0),
        ("yeah right", -2), ("kiss of death", -1.5), ("to die for", 3), ("beating heart", 3.5),
    ]

    // SENTIMENT_LADEN_IDIOMS ("cut the mustard", ...) is deliberately absent: 3.3.2 defines
    // `_sentiment_laden_idioms_check` but never calls it, so those idioms have no effect.
}
