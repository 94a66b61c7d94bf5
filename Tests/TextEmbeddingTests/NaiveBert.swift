import Glibc

/// A deliberately plain BERT forward pass in Double (nested arrays, no BLAS, an explicit attention mask
/// over a padded batch), to check the encoder's GEMM layout, fused QKV and ragged attention against.
struct NaiveBert {
    let model: TinyModel

    private func tensor(_ name: String) -> [Double] { model.tensors[name]!.values.map(Double.init) }

    /// Unit sentence vectors of a padded batch, computed with the mask as transformers does.
    func embed(_ batch: [[Int32]]) -> [[Double]] {
        let h = TinyModel.hidden
        let f = TinyModel.intermediate
        let heads = TinyModel.heads
        let d = h / heads
        let length = batch.map(\.count).max() ?? 0
        let word = tensor("embeddings.word_embeddings.weight")
        let position = tensor("embeddings.position_embeddings.weight")
        let type = tensor("embeddings.token_type_embeddings.weight")
        return batch.indices.map { item -> [Double] in
            // Pad with [PAD] (id 0); the mask hides those positions from attention and pooling.
            let ids = batch[item] + [Int32](repeating: 0, count: length - batch[item].count)
            let valid = batch[item].count
            var x: [[Double]] = ids.enumerated().map { t, id in
                (0..<h).map { word[Int(id) * h + $0] + position[t * h + $0] + type[$0] }
            }
            x = x.map { layerNorm($0, "embeddings.LayerNorm") }
            for layer in 0..<TinyModel.layers {
                let p = "encoder.layer.\(layer)."
                let q = x.map { linear($0, p + "attention.self.query", outputs: h) }
                let k = x.map { linear($0, p + "attention.self.key", outputs: h) }
                let v = x.map { linear($0, p + "attention.self.value", outputs: h) }
                var context = [[Double]](repeating: [Double](repeating: 0, count: h), count: length)
                for head in 0..<heads {
                    for i in 0..<length {
                        var scores = (0..<length).map { j -> Double in
                            var dot = 0.0
                            for c in 0..<d { dot += q[i][head * d + c] * k[j][head * d + c] }
                            return dot / Double(d).squareRoot() + (j < valid ? 0 : -1e30)
                        }
                        let maximum = scores.max()!
                        scores = scores.map { exp($0 - maximum) }
                        let sum = scores.reduce(0, +)
                        for j in 0..<length {
                            for c in 0..<d { context[i][head * d + c] += scores[j] / sum * v[j][head * d + c] }
                        }
                    }
                }
                x = zip(x, context).map { row, ctx in
                    let projected = linear(ctx, p + "attention.output.dense", outputs: h)
                    return layerNorm(zip(row, projected).map(+), p + "attention.output.LayerNorm")
                }
                x = x.map { row in
                    let inner = linear(row, p + "intermediate.dense", outputs: f).map { 0.5 * $0 * (1 + erf($0 / 2.0.squareRoot())) }
                    let output = linear(inner, p + "output.dense", outputs: h)
                    return layerNorm(zip(row, output).map(+), p + "output.LayerNorm")
                }
            }
            var pooled = [Double](repeating: 0, count: h)
            for t in 0..<valid { for c in 0..<h { pooled[c] += x[t][c] / Double(valid) } }
            let norm = pooled.map { $0 * $0 }.reduce(0, +).squareRoot()
            return pooled.map { $0 / max(norm, 1e-12) }
        }
    }

    private func linear(_ input: [Double], _ prefix: String, outputs: Int) -> [Double] {
        let weight = tensor(prefix + ".weight")
        let bias = tensor(prefix + ".bias")
        return (0..<outputs).map { o in
            var sum = bias[o]
            for i in input.indices { sum += weight[o * input.count + i] * input[i] }
            return sum
        }
    }

    private func layerNorm(_ x: [Double], _ prefix: String) -> [Double] {
        let weight = tensor(prefix + ".weight")
        let bias = tensor(prefix + ".bias")
        let mean = x.reduce(0, +) / Double(x.count)
        let variance = x.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(x.count)
        return x.indices.map { (x[$0] - mean) / (variance + 1e-12).squareRoot() * weight[$0] + bias[$0] }
    }
}
