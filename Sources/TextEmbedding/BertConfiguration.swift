public import JSON

/// The parts of a Hugging Face BERT config.json the encoder needs, validated against what it implements.
public struct BertConfiguration: Sendable, Equatable {
    public let hiddenSize: Int
    public let layerCount: Int
    public let headCount: Int
    public let intermediateSize: Int
    public let vocabularySize: Int
    public let maxPositions: Int
    public let typeVocabularySize: Int
    public let layerNormEpsilon: Float

    public var headSize: Int { hiddenSize / headCount }

    public init(json: JSONValue, source: String) throws(EmbeddingError) {
        func fail(_ reason: String) -> EmbeddingError { .invalidModel(path: source, reason: reason) }
        func positive(_ key: String) throws(EmbeddingError) -> Int {
            guard let value = json[key]?.intValue, value > 0 else { throw fail("\(key) is missing or not a positive integer") }
            return value
        }
        hiddenSize = try positive("hidden_size")
        layerCount = try positive("num_hidden_layers")
        headCount = try positive("num_attention_heads")
        intermediateSize = try positive("intermediate_size")
        vocabularySize = try positive("vocab_size")
        maxPositions = try positive("max_position_embeddings")
        typeVocabularySize = try positive("type_vocab_size")
        guard let epsilon = json["layer_norm_eps"]?.doubleValue, epsilon > 0 else { throw fail("layer_norm_eps is missing") }
        layerNormEpsilon = Float(epsilon)
        guard hiddenSize % headCount == 0 else { throw fail("hidden_size \(hiddenSize) is not a multiple of the \(headCount) heads") }
        // Only the exact-erf GELU and absolute positions are implemented; anything else would give wrong vectors.
        let activation = json["hidden_act"]?.stringValue ?? "gelu"
        guard activation == "gelu" else { throw fail("hidden_act \(activation) is not supported (only gelu)") }
        let positions = json["position_embedding_type"]?.stringValue ?? "absolute"
        guard positions == "absolute" else { throw fail("position_embedding_type \(positions) is not supported") }
    }
}
