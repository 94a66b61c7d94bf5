import Testing
import TextAnalysis

struct TextStatisticsTests {
    @Test func formulasFromCounts() throws {
        let stats = TextStatistics(sentenceCount: 2, wordCount: 20, syllableCount: 30, paragraphCount: 1)
        let ease: Double = 206.835 - 1.015 * 10.0 - 84.6 * 1.5
        let grade: Double = 0.39 * 10.0 + 11.8 * 1.5 - 15.59
        let readingTime: Double = 20.0 / 238.0 * 60.0
        #expect(abs(try #require(stats.fleschReadingEase) - ease) < 1e-12)
        #expect(abs(try #require(stats.fleschKincaidGrade) - grade) < 1e-12)
        #expect(stats.averageSentenceLength == 10)
        #expect(abs(stats.readingTimeSeconds - readingTime) < 1e-12)
    }

    @Test func countsOfAText() {
        let stats = TextStatistics(text: "The cat sat. The table was little!\n\n***\n\nA third one")
        #expect(stats.sentenceCount == 3)  // "***" holds no word
        #expect(stats.wordCount == 10)
        #expect(stats.syllableCount == 12)
        #expect(stats.paragraphCount == 3)
    }

    @Test func emptyTextHasNoScores() {
        let stats = TextStatistics(text: "")
        #expect(stats.fleschReadingEase == nil && stats.fleschKincaidGrade == nil && stats.averageSentenceLength == nil)
        #expect(stats.readingTimeSeconds == 0)
    }
}
