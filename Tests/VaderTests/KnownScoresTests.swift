import Testing
import Vader

/// Scores computed with PyPI vaderSentiment 3.3.2 (`SentimentIntensityAnalyzer().polarity_scores`)
/// on CPython 3.11; each case names the rule or quirk it pins down.
@Suite(.enabled(if: InstalledLexicon.isInstalled, "VADER lexicons not installed in $ML_MODEL_DIR/vader"))
struct KnownScoresTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let text: String
        let expected: SentimentScores
        let rule: String
        var testDescription: String { rule }

        init(_ text: String, _ compound: Double, _ pos: Double, _ neu: Double, _ neg: Double, _ rule: String) {
            self.text = text
            self.expected = SentimentScores(compound: compound, pos: pos, neu: neu, neg: neg)
            self.rule = rule
        }
    }

    static let cases: [Case] = [
        Case("VADER is smart, handsome, and funny.", 0.8316, 0.746, 0.254, 0.0, "lexicon words"),
        Case("VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!", 0.9469, 0.706, 0.294, 0.0, "caps, boosters, exclamation marks"),
        Case("VADER is not smart, handsome, nor funny.", -0.7424, 0.0, 0.354, 0.646, "negation"),
        Case("At least it isn't a horrible book.", 0.431, 0.322, 0.678, 0.0, "n't negates, 'at least' does not"),
        Case("The book was only kind of good.", 0.3832, 0.303, 0.697, 0.0, "kind of"),
        Case("The plot was good, but the characters are uncompelling and the dialog is not great.", -0.7042, 0.094, 0.579, 0.327, "but"),
        Case("Make sure you :) or :D today!", 0.8633, 0.706, 0.294, 0.0, "emoticons kept whole"),
        Case("Catch utf-8 emoji such as 💘 and 💋 and 😁", 0.875, 0.417, 0.583, 0.0, "emoji descriptions"),
        Case("good😀bad", 0.6597, 0.844, 0.156, 0.0, "emoji description glued to the next word"),
        Case("Sentiment analysis has never been this good!", 0.5672, 0.379, 0.621, 0.0, "never this"),
        Case("With VADER, sentiment analysis is the shit!", 0.6476, 0.417, 0.583, 0.0, "special case idiom"),
        Case("Roger Dodger is one of the least compelling variations on this theme.", -0.1695, 0.0, 0.868, 0.132, "least"),
        Case("fav but bffn", 0.3612, 0.778, 0.222, 0.0, "but: list.index rescales the first equal value"),
        Case("the cake is so good", 0.5777, 0.483, 0.517, 0.0, "'so' just before counts when the third word back is checked"),
        Case("NO GOOD but fine ok", 0.3744, 0.53, 0.106, 0.364, "caps on a 'no' zeroed before a lexicon word"),
        Case("I will \u{212A}ILL you", -0.7531, 0.0, 0.356, 0.644, "Kelvin sign lowercases to k"),
        Case("what???? really!!!!!!", 0.0, 0.0, 1.0, 0.0, "punctuation only amplifies sentiment"),
        Case("", 0.0, 0.0, 0.0, 0.0, "empty text"),
        Case("  \t\n ", 0.0, 0.0, 0.0, 0.0, "whitespace only"),
    ]

    @Test(arguments: cases)
    func matchesPython(_ testCase: Case) throws {
        let analyzer = try #require(InstalledLexicon.analyzer)
        #expect(analyzer.polarityScores(testCase.text) == testCase.expected, "\(testCase.text)")
    }

    @Test func scoresAreStableAcrossCalls() throws {
        let analyzer = try #require(InstalledLexicon.analyzer)
        let text = "Today only kinda sux! But I'll get by, lol"
        #expect(analyzer.polarityScores(text) == analyzer.polarityScores(text))
    }
}
