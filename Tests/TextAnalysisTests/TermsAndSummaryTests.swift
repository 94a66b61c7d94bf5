import Testing
import TextAnalysis

struct TermsAndSummaryTests {
    @Test func topTermsAreCountedThenAlphabetical() {
        let stop = StopWords(["the", "a", "don't"])
        let top = Terms.top(in: "The zebra and the Apple. A zebra, an apple; Don’t 42 banana é", stopWords: stop, limit: 4)
        #expect(top == [
            TermCount(term: "apple", count: 2), TermCount(term: "zebra", count: 2),
            TermCount(term: "an", count: 1), TermCount(term: "and", count: 1),
        ])
    }

    @Test func summaryIsInDocumentOrderWithOffsets() {
        let text = "Solar power is cheap. Wind power is cheap too. Cats sleep. Solar and wind power grow."
        let summary = TextRankSummarizer(stopWords: StopWords(["is", "too", "and"])).summarize(text, maxSentences: 2)
        #expect(summary.map(\.index) == summary.map(\.index).sorted())
        #expect(summary.count == 2)
        #expect(!summary.map(\.index).contains(2))  // the unrelated sentence
        for sentence in summary {
            let scalars = Array(text.unicodeScalars)[sentence.sentence.start..<sentence.sentence.end]
            #expect(String(String.UnicodeScalarView(scalars)) == sentence.sentence.text)
        }
    }

    @Test(.enabled(if: InstalledStopWords.isInstalled, "stop words not installed: run scripts/install-models.sh"))
    func installedListLoads() throws {
        let list = try #require(InstalledStopWords.list)
        #expect(list.words.count > 1000)
        #expect(list.contains("the") && list.contains("don't") && !list.contains("zebra"))
    }
}
