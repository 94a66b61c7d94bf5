import Testing
@testable import TextEmbedding

/// Hugging Face BertNormalizer + BertPreTokenizer + WordPiece behaviour on a tiny vocabulary. (The whole
/// behaviour is checked against `tokenizers` itself by diff_embed.py on thousands of texts and every scalar.)
@Suite struct WordPieceTokenizerTests {
    static let tokenizer = try! WordPieceTokenizer(vocab: TinyModel.vocabulary.joined(separator: "\n") + "\n", maxSequenceLength: 12)

    /// The tokens of `text`, without [CLS] and [SEP].
    static func tokens(_ text: String) -> [String] {
        let ids = tokenizer.tokenize(text).ids
        #expect(ids.first == 2 && ids.last == 3)
        return ids.dropFirst().dropLast().map { TinyModel.vocabulary[Int($0)] }
    }

    @Test func greedyLongestMatchWithContinuations() {
        #expect(Self.tokens("unaffable") == ["un", "##aff", "##able"])
        #expect(Self.tokens("abc") == ["a", "##b", "##c"])
        // Any unmatched remainder makes the whole word [UNK].
        #expect(Self.tokens("unaffablez hello") == ["[UNK]", "hello"])
        #expect(Self.tokens("zzz") == ["[UNK]"])
    }

    @Test func lowercaseAccentsAndSpecialLetters() {
        #expect(Self.tokens("HELLO Café") == ["hello", "cafe"])
        #expect(Self.tokens("cafe\u{301}") == ["cafe"])
        // İ is I + combining dot above: the dot is a nonspacing mark, stripped before lowercasing.
        #expect(Self.tokens("İstanbul") == ["i", "##stanbul"])
        // ß is not decomposed or case-folded by Rust's to_lowercase.
        #expect(Self.tokens("STRASSE straße") == ["strasse", "[UNK]"])
    }

    @Test func punctuationAndWhitespaceSplit() {
        #expect(Self.tokens("hello,world!") == ["hello", ",", "world", "!"])
        #expect(Self.tokens("a-b") == ["a", "-", "[UNK]"])
        #expect(Self.tokens(" \t\n hello \u{3000} world\u{2028}") == ["hello", "world"])
        #expect(Self.tokens("").isEmpty)
        #expect(Self.tokens("   \n\t").isEmpty)
    }

    @Test func controlAndFormatCharactersAreRemoved() {
        #expect(Self.tokens("hel\u{0}lo wo\u{200B}rld\u{FFFD} x\u{7}") == ["hello", "world", "x"])
        #expect(Self.tokens("hello\u{E000}") == ["hello"])
    }

    @Test func chineseCharactersAreSeparateWords() {
        #expect(Self.tokens("北京") == ["北", "京"])
        #expect(Self.tokens("x北京x") == ["x", "北", "京", "x"])
    }

    @Test func longWordsBecomeUnknown() {
        #expect(Self.tokens(String(repeating: "x", count: 100)) == ["[UNK]"])  // no "##x" in the vocabulary
        #expect(Self.tokens(String(repeating: "a", count: 101) + " hello") == ["[UNK]", "hello"])
    }

    @Test func specialTokensAreMatchedInTheRawText() {
        #expect(Self.tokens("hello[SEP]world") == ["hello", "[SEP]", "world"])
        // Case-sensitive, and only the exact strings: "[sep]" is "[", "sep", "]" (both brackets unknown here).
        #expect(Self.tokens("[sep]") == ["[UNK]", "[UNK]", "[UNK]"])
        #expect(Self.tokenizer.tokenize("[MASK][MASK]").ids == [2, 4, 4, 3])
    }

    @Test func truncationKeepsClsAndSep() {
        let tokenized = Self.tokenizer.tokenize(Array(repeating: "hello", count: 11).joined(separator: " "))
        #expect(tokenized.ids.count == 12 && tokenized.truncated)
        #expect(tokenized.ids == [2] + [Int32](repeating: 14, count: 10) + [3])
        let exact = Self.tokenizer.tokenize(Array(repeating: "hello", count: 10).joined(separator: " "))
        #expect(exact.ids.count == 12 && !exact.truncated)
    }

    @Test func vocabularyComparesBytesNotCanonicalEquivalence() throws {
        // "Å" (U+00C5) and the Angstrom sign (U+212B) are canonically equivalent Swift Strings but distinct tokens.
        let tokenizer = try WordPieceTokenizer(vocab: "[PAD]\n[UNK]\n[CLS]\n[SEP]\n\u{C5}\n\u{212B}\n", maxSequenceLength: 8)
        #expect(tokenizer.vocabulary["\u{C5}"] == 4)
        #expect(tokenizer.vocabulary["\u{212B}"] == 5)
        #expect(tokenizer.vocabulary["A\u{30A}"] == nil)
    }

    @Test func duplicateOrMissingSpecialTokensAreRejected() {
        #expect(throws: EmbeddingError.self) { try WordPieceTokenizer(vocab: "[UNK]\n[CLS]\n[SEP]\n[UNK]\n", maxSequenceLength: 8) }
        #expect(throws: EmbeddingError.self) { try WordPieceTokenizer(vocab: "[UNK]\n[CLS]\n", maxSequenceLength: 8) }
    }

    @Test func normalizerDecomposesHangulAndReordersMarks() {
        let normalizer = BertTextNormalizer()
        #expect(normalizer.canonicallyDecomposed([0xD55C]) == [0x1112, 0x1161, 0x11AB])
        // a + cedilla (ccc 202) after acute (ccc 230) is reordered: cedilla first.
        #expect(normalizer.canonicallyDecomposed([0x61, 0x301, 0x327]) == [0x61, 0x327, 0x301])
        #expect(normalizer.canonicallyDecomposed([0x1E08]) == [0x43, 0x327, 0x301])
    }
}
