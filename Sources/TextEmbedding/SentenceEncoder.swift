import CBLAS
import Glibc
import JSON
import ModelFiles

/// One text's sentence embedding.
public struct SentenceEmbedding: Sendable, Equatable {
    /// The unit-length embedding (384 values for all-MiniLM-L6-v2).
    public let vector: [Float]
    /// Tokens the model saw, including `[CLS]` and `[SEP]`.
    public let tokens: Int
    /// Whether the text was cut to the model's maximum sequence length.
    public let truncated: Bool

    public init(vector: [Float], tokens: Int, truncated: Bool) {
        self.vector = vector
        self.tokens = tokens
        self.truncated = truncated
    }
}

/// Sentence embeddings with a sentence-transformers BERT model (all-MiniLM-L6-v2) from its directory:
/// model.safetensors, config.json, vocab.txt, sentence_bert_config.json (max_seq_length).
///
/// Immutable after init and safe to call from several threads at once: each call allocates its own
/// scratch buffers. BLAS runs single-threaded (see `init`), so parallelism comes from concurrent callers.
public final class SentenceEncoder: Sendable {
    /// Texts per forward pass. Larger batches make bigger GEMMs, closer to BLAS's peak (32 × 64 tokens
    /// ran at ~80% of single-thread sgemm speed here, one 64-token text at ~64%).
    public static let batchSize = 32
    /// Tokens per forward pass (unless one text alone is longer): scratch memory is ~14 KB per token, so
    /// this caps it near 57 MB, where 32 texts of 256 tokens would need 113 MB, for no faster GEMMs.
    public static let batchTokens = 4096

    public let tokenizer: WordPieceTokenizer
    let encoder: BertEncoder

    public var dimensions: Int { encoder.configuration.hiddenSize }
    public var maxSequenceLength: Int { tokenizer.maxSequenceLength }

    public init(modelDirectory: String) throws(EmbeddingError) {
        let directory = modelDirectory.hasSuffix("/") ? String(modelDirectory.dropLast()) : modelDirectory
        let configPath = directory + "/config.json"
        let configuration = try BertConfiguration(json: Self.readJSON(configPath), source: configPath)
        let sentenceConfigPath = directory + "/sentence_bert_config.json"
        // Without sentence_bert_config.json, sentence-transformers falls back to the model's positions.
        var maxSequenceLength = configuration.maxPositions
        if Self.fileExists(sentenceConfigPath) {
            guard let length = try Self.readJSON(sentenceConfigPath)["max_seq_length"]?.intValue, length > 0 else {
                throw .invalidModel(path: sentenceConfigPath, reason: "max_seq_length is missing")
            }
            maxSequenceLength = min(length, configuration.maxPositions)
        }
        let vocabPath = directory + "/vocab.txt"
        tokenizer = try WordPieceTokenizer(
            vocab: String(decoding: Self.readFile(vocabPath), as: UTF8.self),
            maxSequenceLength: maxSequenceLength, source: vocabPath
        )
        guard tokenizer.vocabularySize == configuration.vocabularySize else {
            throw .invalidModel(path: vocabPath, reason: "\(tokenizer.vocabularySize) tokens, config.json says \(configuration.vocabularySize)")
        }
        let weightsPath = directory + "/model.safetensors"
        guard Self.fileExists(weightsPath) else { throw .missingFile(path: weightsPath) }
        let tensors = try SafeTensors(path: weightsPath)
        encoder = BertEncoder(configuration: configuration, weights: try BertWeights(tensors: tensors, configuration: configuration))
        // libopenblas is mapped now, not when the plugin loads, and with one BLAS thread: on a small,
        // shared VM OpenBLAS's thread hand-off made small GEMMs 5-60x slower (plugin-dependencies.md
        // §3b). This is process-wide; callers parallelise across texts instead.
        if let error = uvw_blas_load_error() {
            throw .missingLibrary(name: "libopenblas.so.0 (Debian's libopenblas0)", reason: String(cString: error))
        }
    }

    public func tokenize(_ text: String) -> TokenizedText {
        tokenizer.tokenize(text)
    }

    /// Embeddings in input order. Texts are sorted by token count and run in batches of up to `batchSize`
    /// texts and `batchTokens` tokens, so each forward pass makes large GEMMs over texts of similar length;
    /// the result of a text does not depend on its batch (see `BertEncoder`).
    public func embed(_ texts: [String]) -> [SentenceEmbedding] {
        let tokenized = texts.map(tokenizer.tokenize)
        let order = tokenized.indices.sorted { (tokenized[$0].ids.count, $0) < (tokenized[$1].ids.count, $1) }
        var vectors = [[Float]](repeating: [], count: texts.count)
        var batchStart = 0
        while batchStart < order.count {
            var batchEnd = batchStart + 1
            var tokens = tokenized[order[batchStart]].ids.count
            while batchEnd < order.count && batchEnd - batchStart < Self.batchSize
                && tokens + tokenized[order[batchEnd]].ids.count <= Self.batchTokens {
                tokens += tokenized[order[batchEnd]].ids.count
                batchEnd += 1
            }
            let batch = order[batchStart..<batchEnd]
            let embedded = encoder.embed(batch.map { tokenized[$0].ids })
            for (index, vector) in zip(batch, embedded) { vectors[index] = vector }
            batchStart = batchEnd
        }
        return zip(tokenized, vectors).map { SentenceEmbedding(vector: $1, tokens: $0.ids.count, truncated: $0.truncated) }
    }

    // MARK: Files

    static func fileExists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    static func readFile(_ path: String) throws(EmbeddingError) -> [UInt8] {
        do {
            return try ModelFile.read(path)
        } catch {
            switch error {
            case .missing: throw .missingFile(path: path)
            case .cannotOpen(_, let code): throw .cannotOpen(path: path, reason: String(cString: strerror(code)))
            case .cannotRead: throw .cannotOpen(path: path, reason: "read error")
            }
        }
    }

    static func readJSON(_ path: String) throws(EmbeddingError) -> JSONValue {
        let bytes = try readFile(path)
        do {
            return try JSONValue.parse(bytes)
        } catch {
            throw .invalidModel(path: path, reason: "\(error)")
        }
    }
}
