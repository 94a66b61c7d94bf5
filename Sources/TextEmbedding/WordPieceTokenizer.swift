/// A text as model input: `[CLS]`, the word pieces, `[SEP]`, cut to the model's maximum sequence length.
public struct TokenizedText: Sendable, Equatable {
    public let ids: [Int32]
    /// Whether word pieces were dropped to fit the maximum sequence length.
    public let truncated: Bool

    public init(ids: [Int32], truncated: Bool) {
        self.ids = ids
        self.truncated = truncated
    }
}

/// BERT's uncased WordPiece tokenizer, reproducing Hugging Face `tokenizers` as configured in
/// all-MiniLM-L6-v2's tokenizer.json: BertNormalizer, BertPreTokenizer, WordPiece (greedy longest match
/// first, `##` continuations, words over 100 scalars become `[UNK]`), then `[CLS] … [SEP]`.
///
/// Truncation is sentence-transformers' max_seq_length (256, from sentence_bert_config.json), not
/// tokenizer.json's own truncation and padding at 128, which sentence-transformers overrides.
public struct WordPieceTokenizer: Sendable {
    public static let maxInputCharactersPerWord = 100
    static let continuationPrefix: [UInt8] = Array("##".utf8)

    let vocabulary: Vocabulary
    /// The special tokens matched verbatim in the raw text before normalization (tokenizer.json's added_tokens).
    let specialTokens: [(bytes: [UInt8], id: Int32)]
    let unknownID: Int32
    let classID: Int32
    let separatorID: Int32
    /// Total length including `[CLS]` and `[SEP]`.
    public let maxSequenceLength: Int
    private let normalizer = BertTextNormalizer()

    /// `vocab` is vocab.txt's content: one token per line, the id being the line number.
    public init(vocab: String, maxSequenceLength: Int, source: String = "vocab.txt") throws(EmbeddingError) {
        // Split as bytes: Swift would treat "\r\n" as one Character and compare lines by canonical equivalence.
        var lines = Array(vocab.utf8).split(separator: 0x0A, omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        var vocabulary = Vocabulary(capacity: lines.count)
        for line in lines {
            let token = line.last == 0x0D ? line.dropLast() : line
            // The model's vocabulary has no duplicates (ids would be ambiguous); reject them rather than pick one.
            guard vocabulary.append(token) else {
                throw .invalidModel(path: source, reason: "token \(String(decoding: token, as: UTF8.self)) appears twice")
            }
        }
        func id(_ token: String) throws(EmbeddingError) -> Int32 {
            guard let id = vocabulary[token] else { throw .invalidModel(path: source, reason: "no \(token) token") }
            return id
        }
        guard maxSequenceLength >= 2 else {
            throw .invalidModel(path: source, reason: "max sequence length \(maxSequenceLength) leaves no room for [CLS] and [SEP]")
        }
        self.vocabulary = vocabulary
        self.unknownID = try id("[UNK]")
        self.classID = try id("[CLS]")
        self.separatorID = try id("[SEP]")
        self.maxSequenceLength = maxSequenceLength
        // BERT's added tokens (special, normalized: false, no lstrip/rstrip/single_word in tokenizer.json):
        // Hugging Face finds them in the raw text first, so a literal "[SEP]" in a text is token 102.
        self.specialTokens = Self.specialTokenNames.compactMap { name in vocabulary[name].map { (Array(name.utf8), $0) } }
    }

    static let specialTokenNames = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]

    public var vocabularySize: Int { vocabulary.count }

    public func tokenize(_ text: String) -> TokenizedText {
        let limit = maxSequenceLength - 2
        var ids: [Int32] = [classID]
        var truncated = false
        var utf8: [UInt8] = []
        segments: for segment in splitOnSpecialTokens(text) {
            switch segment {
            case let .special(id):
                ids.append(id)
            case let .text(bytes):
                let normalized = normalizer.normalize(String(decoding: bytes, as: UTF8.self))
                for word in normalizer.words(normalized) {
                    appendWordPieces(of: word, utf8: &utf8, to: &ids)
                    if ids.count - 1 > limit { break }
                }
            }
            if ids.count - 1 > limit {
                ids.removeLast(ids.count - 1 - limit)
                truncated = true
                break segments
            }
        }
        ids.append(separatorID)
        return TokenizedText(ids: ids, truncated: truncated)
    }

    enum Segment {
        case text(ArraySlice<UInt8>)
        case special(Int32)
    }

    /// The raw text cut around verbatim occurrences of the special tokens (leftmost match; none of them is
    /// a prefix of another, so leftmost is also longest).
    func splitOnSpecialTokens(_ text: String) -> [Segment] {
        let bytes = Array(text.utf8)
        var segments: [Segment] = []
        var segmentStart = 0
        var position = 0
        scan: while position < bytes.count {
            if bytes[position] == UInt8(ascii: "[") {
                for (token, id) in specialTokens where bytes[position...].starts(with: token) {
                    if segmentStart < position { segments.append(.text(bytes[segmentStart..<position])) }
                    segments.append(.special(id))
                    position += token.count
                    segmentStart = position
                    continue scan
                }
            }
            position += 1
        }
        if segmentStart < bytes.count { segments.append(.text(bytes[segmentStart...])) }
        return segments
    }

    /// Greedy longest-match-first WordPiece over one pre-tokenized word; a word with any unmatched
    /// remainder becomes a single `[UNK]`, as in Hugging Face's implementation.
    private func appendWordPieces(of word: ArraySlice<UInt32>, utf8: inout [UInt8], to ids: inout [Int32]) {
        guard word.count <= Self.maxInputCharactersPerWord else { ids.append(unknownID); return }
        // The word's UTF-8 and the byte offset where each scalar starts (and the end), so candidates are
        // byte ranges; a continuation is looked up as "##" + its bytes, built in `candidateBytes`.
        utf8.removeAll(keepingCapacity: true)
        var boundaries: [Int] = []
        boundaries.reserveCapacity(word.count + 1)
        for value in word {
            boundaries.append(utf8.count)
            Unicode.UTF8.encode(Unicode.Scalar(value) ?? "\u{FFFD}") { utf8.append($0) }
        }
        boundaries.append(utf8.count)
        var candidateBytes: [UInt8] = []

        let firstPiece = ids.count
        var start = 0
        while start < word.count {
            var end = word.count
            var match: Int32?
            while start < end {
                let found: Int32?
                if start == 0 {
                    found = utf8.withUnsafeBufferPointer { vocabulary[UnsafeBufferPointer(rebasing: $0[0..<boundaries[end]])] }
                } else {
                    candidateBytes.removeAll(keepingCapacity: true)
                    candidateBytes.append(contentsOf: Self.continuationPrefix)
                    candidateBytes.append(contentsOf: utf8[boundaries[start]..<boundaries[end]])
                    found = candidateBytes.withUnsafeBufferPointer { vocabulary[$0] }
                }
                if let id = found { match = id; break }
                end -= 1
            }
            guard let id = match else {
                ids.removeLast(ids.count - firstPiece)
                ids.append(unknownID)
                return
            }
            ids.append(id)
            start = end
        }
    }
}
