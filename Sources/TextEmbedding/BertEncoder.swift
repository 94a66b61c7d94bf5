import CBLAS

/// The BERT forward pass (embeddings, encoder layers) followed by sentence-transformers' mean pooling and
/// L2 normalisation, on OpenBLAS sgemm.
///
/// A batch is laid out *ragged*: the sequences' token rows are stacked without padding, since every step
/// except attention works row by row. Attention runs per sequence and head over that sequence's own
/// rows only — exactly what an attention mask over padded rows computes (masked keys get weight
/// exp(-inf) = 0), minus the padded rows' wasted work. A text's result does not depend on its batch
/// (beyond float rounding inside the GEMMs, ~1e-7).
final class BertEncoder: Sendable {
    let configuration: BertConfiguration
    let weights: BertWeights

    init(configuration: BertConfiguration, weights: BertWeights) {
        self.configuration = configuration
        self.weights = weights
    }

    /// Scratch memory for one batch, allocated per call so concurrent callers never share buffers.
    private struct Scratch {
        let hidden, qkv, context, projected, intermediate, scores: UnsafeMutablePointer<Float>

        init(rows: Int, longest: Int, configuration c: BertConfiguration) {
            hidden = .allocate(capacity: rows * c.hiddenSize)
            qkv = .allocate(capacity: rows * 3 * c.hiddenSize)
            context = .allocate(capacity: rows * c.hiddenSize)
            projected = .allocate(capacity: rows * c.hiddenSize)
            intermediate = .allocate(capacity: rows * c.intermediateSize)
            scores = .allocate(capacity: longest * longest)
        }

        func deallocate() {
            for buffer in [hidden, qkv, context, projected, intermediate, scores] { buffer.deallocate() }
        }
    }

    /// Unit-length sentence vectors for sequences of token ids (each at most `maxPositions` long, ids in range).
    func embed(_ sequences: [[Int32]]) -> [[Float]] {
        let c = configuration
        let h = c.hiddenSize
        let rows = sequences.reduce(0) { $0 + $1.count }
        guard rows > 0 else { return sequences.map { _ in [Float](repeating: 0, count: h) } }
        var starts: [Int] = []
        var row = 0
        for sequence in sequences {
            precondition(sequence.count <= c.maxPositions, "sequence longer than the model's positions")
            starts.append(row)
            row += sequence.count
        }
        let scratch = Scratch(rows: rows, longest: sequences.map(\.count).max() ?? 1, configuration: c)
        defer { scratch.deallocate() }

        embedTokens(sequences, starts: starts, into: scratch.hidden)
        for layer in weights.layers {
            runLayer(layer, sequences: sequences, starts: starts, rows: rows, scratch: scratch)
        }
        return zip(sequences, starts).map { sequence, start in
            meanPooledUnitVector(scratch.hidden + start * h, rows: sequence.count)
        }
    }

    /// word + position + token type 0 embeddings, then LayerNorm.
    private func embedTokens(_ sequences: [[Int32]], starts: [Int], into hidden: UnsafeMutablePointer<Float>) {
        let c = configuration
        let h = c.hiddenSize
        for (sequence, start) in zip(sequences, starts) {
            for (position, id) in sequence.enumerated() {
                precondition(id >= 0 && Int(id) < c.vocabularySize, "token id out of range")
                let output = hidden + (start + position) * h
                let word = weights.wordEmbeddings + Int(id) * h
                let place = weights.positionEmbeddings + position * h
                let type = weights.tokenTypeEmbeddings
                for i in 0..<h { output[i] = word[i] + place[i] + type[i] }
            }
        }
        let rows = sequences.reduce(0) { $0 + $1.count }
        DenseKernels.addAndNormalize(
            hidden, residual: nil, rows: rows, width: h,
            weight: weights.embeddingNormWeight, bias: weights.embeddingNormBias, epsilon: c.layerNormEpsilon
        )
    }

    private func runLayer(_ layer: BertLayerWeights, sequences: [[Int32]], starts: [Int], rows: Int, scratch: Scratch) {
        let c = configuration
        let h = c.hiddenSize
        let f = c.intermediateSize
        // Self-attention: Q, K and V for all rows in one GEMM.
        DenseKernels.linear(
            scratch.hidden, rows: rows, inputs: h, weight: layer.qkvWeight, bias: layer.qkvBias, outputs: 3 * h,
            into: scratch.qkv
        )
        for (sequence, start) in zip(sequences, starts) {
            attend(rows: sequence.count, qkv: scratch.qkv + start * 3 * h, into: scratch.context + start * h, scores: scratch.scores)
        }
        DenseKernels.linear(
            scratch.context, rows: rows, inputs: h,
            weight: layer.attentionOutputWeight, bias: nil, outputs: h, into: scratch.projected
        )
        DenseKernels.addAndNormalize(
            scratch.hidden, residual: (UnsafePointer(scratch.projected), layer.attentionOutputBias), rows: rows, width: h,
            weight: layer.attentionNormWeight, bias: layer.attentionNormBias, epsilon: c.layerNormEpsilon
        )
        // Feed-forward.
        DenseKernels.linear(
            scratch.hidden, rows: rows, inputs: h,
            weight: layer.intermediateWeight, bias: nil, outputs: f, into: scratch.intermediate
        )
        DenseKernels.addBiasAndGELU(scratch.intermediate, bias: layer.intermediateBias, rows: rows, width: f)
        DenseKernels.linear(
            scratch.intermediate, rows: rows, inputs: f,
            weight: layer.outputWeight, bias: nil, outputs: h, into: scratch.projected
        )
        DenseKernels.addAndNormalize(
            scratch.hidden, residual: (UnsafePointer(scratch.projected), layer.outputBias), rows: rows, width: h,
            weight: layer.outputNormWeight, bias: layer.outputNormBias, epsilon: c.layerNormEpsilon
        )
    }

    /// Scaled dot-product attention of one sequence, head by head: softmax(Q Kᵀ / √d) V. Q, K and V are
    /// read in place from the fused [rows, 3H] projection (leading dimension 3H); each head's output
    /// lands in its columns of `context` (leading dimension H).
    private func attend(rows n: Int, qkv: UnsafePointer<Float>, into context: UnsafeMutablePointer<Float>, scores: UnsafeMutablePointer<Float>) {
        let c = configuration
        let h = c.hiddenSize
        let d = c.headSize
        let scale = 1 / Float(d).squareRoot()
        for head in 0..<c.headCount {
            let query = qkv + head * d
            let key = qkv + h + head * d
            let value = qkv + 2 * h + head * d
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(n), Int32(d),
                scale, query, Int32(3 * h), key, Int32(3 * h), 0, scores, Int32(n)
            )
            DenseKernels.softmaxRows(scores, rows: n, width: n, stride: n)
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(d), Int32(n),
                1, scores, Int32(n), value, Int32(3 * h), 0, context + head * d, Int32(h)
            )
        }
    }

    /// sentence-transformers' Pooling (mean over the tokens) then Normalize (x / max(‖x‖, 1e-12)).
    private func meanPooledUnitVector(_ hidden: UnsafePointer<Float>, rows: Int) -> [Float] {
        let h = configuration.hiddenSize
        var vector = [Float](repeating: 0, count: h)
        vector.withUnsafeMutableBufferPointer { output in
            for row in 0..<rows {
                let values = hidden + row * h
                for i in 0..<h { output[i] += values[i] }
            }
            var squares: Float = 0
            for i in 0..<h {
                output[i] /= Float(rows)
                squares += output[i] * output[i]
            }
            let inverse = 1 / max(squares.squareRoot(), 1e-12)
            for i in 0..<h { output[i] *= inverse }
        }
        return vector
    }
}
