import Testing
import TextAnalysis

struct TokenizerTests {
    @Test func wordsJoinApostrophesHyphensAndNumbers() {
        let words = Tokenizer.words(in: "Don’t re-use 10,000.5 items -- 'quoted' naïve café's x-").map(\.text)
        #expect(words == ["Don’t", "re-use", "10,000.5", "items", "quoted", "naïve", "café's", "x"])
    }

    @Test func paragraphsAreBlankLineSeparated() {
        let paragraphs = Tokenizer.paragraphs(in: "\n One\ntwo \n \t\n\nThree\r\n\r\nFour\n")
        #expect(paragraphs.map(\.text) == ["One\ntwo", "Three", "Four"])
        #expect(paragraphs[0].start == 2)
    }
}
