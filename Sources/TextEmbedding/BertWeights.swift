/// Floats allocated once at load (the packed QKV projections) and freed with the model.
final class OwnedFloats: @unchecked Sendable {  // written only during init, read-only afterwards
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    init(count: Int) {
        self.count = count
        pointer = .allocate(capacity: count)
    }

    deinit { pointer.deallocate() }
}

/// The weights of one encoder layer. Linear weights are PyTorch's [out, in] row-major matrices.
struct BertLayerWeights {
    /// Query, key and value weights stacked as one [3H, H] matrix (and [3H] bias), so a single GEMM computes all three.
    let qkvWeight: UnsafePointer<Float>
    let qkvBias: UnsafePointer<Float>
    let attentionOutputWeight: UnsafePointer<Float>
    let attentionOutputBias: UnsafePointer<Float>
    let attentionNormWeight: UnsafePointer<Float>
    let attentionNormBias: UnsafePointer<Float>
    let intermediateWeight: UnsafePointer<Float>
    let intermediateBias: UnsafePointer<Float>
    let outputWeight: UnsafePointer<Float>
    let outputBias: UnsafePointer<Float>
    let outputNormWeight: UnsafePointer<Float>
    let outputNormBias: UnsafePointer<Float>
}

/// All weights of a BertModel checkpoint: pointers into the mapped safetensors file, plus the packed QKV copies.
struct BertWeights: @unchecked Sendable {  // every pointer is read-only and kept alive by `tensors` / `packed`
    let wordEmbeddings: UnsafePointer<Float>
    let positionEmbeddings: UnsafePointer<Float>
    let tokenTypeEmbeddings: UnsafePointer<Float>
    let embeddingNormWeight: UnsafePointer<Float>
    let embeddingNormBias: UnsafePointer<Float>
    let layers: [BertLayerWeights]
    private let tensors: SafeTensors
    private let packed: [OwnedFloats]

    init(tensors: SafeTensors, configuration c: BertConfiguration) throws(EmbeddingError) {
        let h = c.hiddenSize
        let f = c.intermediateSize
        // sentence-transformers checkpoints name tensors without a prefix; plain BertModel exports use "bert.".
        let prefix = tensors.tensors["bert.embeddings.word_embeddings.weight"] != nil ? "bert." : ""
        func tensor(_ name: String, _ shape: [Int]) throws(EmbeddingError) -> UnsafePointer<Float> {
            try tensors.floats(prefix + name, shape: shape)
        }
        wordEmbeddings = try tensor("embeddings.word_embeddings.weight", [c.vocabularySize, h])
        positionEmbeddings = try tensor("embeddings.position_embeddings.weight", [c.maxPositions, h])
        tokenTypeEmbeddings = try tensor("embeddings.token_type_embeddings.weight", [c.typeVocabularySize, h])
        embeddingNormWeight = try tensor("embeddings.LayerNorm.weight", [h])
        embeddingNormBias = try tensor("embeddings.LayerNorm.bias", [h])

        var layers: [BertLayerWeights] = []
        var packed: [OwnedFloats] = []
        for index in 0..<c.layerCount {
            let layer = "encoder.layer.\(index)."
            let qkv = OwnedFloats(count: 3 * h * h + 3 * h)
            for (part, name) in ["query", "key", "value"].enumerated() {
                let weight = try tensor(layer + "attention.self.\(name).weight", [h, h])
                let bias = try tensor(layer + "attention.self.\(name).bias", [h])
                (qkv.pointer + part * h * h).update(from: weight, count: h * h)
                (qkv.pointer + 3 * h * h + part * h).update(from: bias, count: h)
            }
            packed.append(qkv)
            layers.append(BertLayerWeights(
                qkvWeight: UnsafePointer(qkv.pointer),
                qkvBias: UnsafePointer(qkv.pointer + 3 * h * h),
                attentionOutputWeight: try tensor(layer + "attention.output.dense.weight", [h, h]),
                attentionOutputBias: try tensor(layer + "attention.output.dense.bias", [h]),
                attentionNormWeight: try tensor(layer + "attention.output.LayerNorm.weight", [h]),
                attentionNormBias: try tensor(layer + "attention.output.LayerNorm.bias", [h]),
                intermediateWeight: try tensor(layer + "intermediate.dense.weight", [f, h]),
                intermediateBias: try tensor(layer + "intermediate.dense.bias", [f]),
                outputWeight: try tensor(layer + "output.dense.weight", [h, f]),
                outputBias: try tensor(layer + "output.dense.bias", [h]),
                outputNormWeight: try tensor(layer + "output.LayerNorm.weight", [h]),
                outputNormBias: try tensor(layer + "output.LayerNorm.bias", [h])
            ))
        }
        self.layers = layers
        self.packed = packed
        self.tensors = tensors
    }
}
