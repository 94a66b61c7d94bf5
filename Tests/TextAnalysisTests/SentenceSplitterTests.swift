import Testing
import TextAnalysis

/// The cases and one per rule of `SentenceSplitter`; agreement with pysbd on real prose is measured
/// in Tests/interop/test_sentences.py.
struct SentenceSplitterTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let text: String
        let sentences: [String]
        let rule: String
        var testDescription: String { rule }

        init(_ rule: String, _ text: String, _ sentences: [String]) {
            self.rule = rule
            self.text = text
            self.sentences = sentences
        }
    }

    static let cases: [Case] = [
        Case("abbreviations, decimals, times, dates", "Dr. Smith paid $3.50 at 5 p.m. on Jan. 3. He left.",
             ["Dr. Smith paid $3.50 at 5 p.m. on Jan. 3.", "He left."]),
        Case("initials", "J. R. R. Tolkien wrote it.", ["J. R. R. Tolkien wrote it."]),
        Case("closing quotes stay", "He said \"Stop.\" Then he left.", ["He said \"Stop.\"", "Then he left."]),
        Case("closing brackets stay", "It rained (a lot.) We stayed.", ["It rained (a lot.)", "We stayed."]),
        Case("?! is one end", "Really?! Yes.", ["Really?!", "Yes."]),
        Case("ellipsis before a capital", "Wait... Go on.", ["Wait...", "Go on."]),
        Case("ellipsis before lowercase", "Wait... and then go.", ["Wait... and then go."]),
        Case("spaced ellipsis", "It ended . . . Then silence.", ["It ended . . .", "Then silence."]),
        Case("URL, email, number", "See www.example.com or a.b@example.org for 1.5 GB. Done.",
             ["See www.example.com or a.b@example.org for 1.5 GB.", "Done."]),
        Case("paragraph break without a period", "Title\n\nBody text.", ["Title", "Body text."]),
        Case("CRLF paragraph break", "One\r\n\r\nTwo", ["One", "Two"]),
        Case("single newline is a space", "wrapped\nline. Next.", ["wrapped\nline.", "Next."]),
        Case("question before a lowercase speech tag", "\"Why?\" he asked.", ["\"Why?\" he asked."]),
        Case("lowercase name after a period", "It reads sys.path. venv uses it.", ["It reads sys.path.", "venv uses it."]),
        Case("abbreviation before lowercase", "Bring pens, paper, etc. and a bag.", ["Bring pens, paper, etc. and a bag."]),
        Case("abbreviation at the end", "Ask Jane and co. They know.", ["Ask Jane and co.", "They know."]),
        Case("dotted letters before a name", "I work for the U.S. Government here.", ["I work for the U.S. Government here."]),
        Case("dotted letters before an opener", "I live in the U.S. The weather is fine.", ["I live in the U.S.", "The weather is fine."]),
        Case("number abbreviation", "See No. 5 and Fig. 2 for it.", ["See No. 5 and Fig. 2 for it."]),
        Case("list number opening a sentence", "1. Install it. 2. Run it.", ["1. Install it.", "2. Run it."]),
        Case("elision in brackets", "He [...] left.", ["He [...] left."]),
        Case("quoted sentences split", "\"Go. Now.\" he said.", ["\"Go.", "Now.\" he said."]),
        Case("empty", "  \n ", []),
    ]

    @Test(arguments: cases)
    func splits(_ example: Case) {
        #expect(SentenceSplitter.sentences(in: example.text).map(\.text) == example.sentences)
    }

    @Test func offsetsAreCodePoints() {
        let text = "😀 Hi. 𝔄 b."
        let sentences = SentenceSplitter.sentences(in: text)
        #expect(sentences.map(\.start) == [0, 6])
        #expect(sentences.map(\.end) == [5, 10])
    }
}
