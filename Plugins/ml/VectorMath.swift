/// The little vector arithmetic the plugin does outside the encoder: every vector it sees is
/// L2-normalised, so a dot product is the cosine.
enum VectorMath {
    static func dot(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "vectors of different dimensions")
        var sum: Float = 0
        for index in a.indices { sum += a[index] * b[index] }
        return sum
    }

    /// The mean of `vectors`, scaled to unit length (a zero vector stays zero).
    static func normalizedMean(_ vectors: [[Float]]) -> [Float] {
        guard let first = vectors.first else { return [] }
        var mean = [Float](repeating: 0, count: first.count)
        for vector in vectors {
            for index in mean.indices { mean[index] += vector[index] }
        }
        let norm = dot(mean, mean).squareRoot()
        guard norm > 0 else { return mean }
        return mean.map { $0 / norm }
    }
}
