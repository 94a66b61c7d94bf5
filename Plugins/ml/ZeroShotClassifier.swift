import Glibc

/// Zero-shot classification into the caller's categories by embedding similarity: each category
/// becomes one unit vector (the mean of its hypothesis — the label through `hypothesis_template` —
/// its description when given, and the centroid of its examples when given), and a text's scores
/// come from its cosine with each category.
///
/// Cosines of MiniLM sentence embeddings sit in a narrow band (a text and "This text is about
/// {label}." score ≈ 0.12–0.25 when related, ≈ −0.1–0.07 when not; examples of the same kind score
/// higher), so they are calibrated before they are shown as probabilities:
/// - single-label: softmax(cosine / T) over the categories, which sums to 1 as Hugging Face's
///   zero-shot pipeline's scores do;
/// - multi-label: each category on its own, sigmoid((cosine − bias) / T): above 0.5 when the
///   cosine is above 0.1.
/// `temperature` and `multiLabelBias` are fixed by the project (README, "Machine learning").
struct ZeroShotClassifier {
    static let temperature = 0.05
    static let multiLabelBias = 0.1

    struct Score {
        let label: String
        let score: Float
    }

    let labels: [String]
    /// One unit vector per category, computed once per request and used for every text.
    let vectors: [[Float]]
    let multiLabel: Bool

    /// `embed` turns texts into unit vectors, in order; every text the categories need goes through
    /// it in one call, so they are batched together.
    init(categories: [CategorySpec], template: String, multiLabel: Bool, embed: ([String]) throws -> [[Float]]) throws {
        // Each category's texts stand together: its hypothesis, its description, then its examples.
        let texts = categories.flatMap { category in
            [Self.hypothesis(template, category.label)] + (category.description.map { [$0] } ?? []) + category.examples
        }
        let embedded = try embed(texts)
        var next = 0
        vectors = categories.map { category in
            let own = category.description == nil ? 1 : 2
            var members = Array(embedded[next..<next + own])
            next += own
            if !category.examples.isEmpty {
                members.append(VectorMath.normalizedMean(Array(embedded[next..<next + category.examples.count])))
                next += category.examples.count
            }
            return VectorMath.normalizedMean(members)
        }
        labels = categories.map(\.label)
        self.multiLabel = multiLabel
    }

    /// The template with every `{}` replaced by the label.
    static func hypothesis(_ template: String, _ label: String) -> String {
        template.replacing("{}", with: label)
    }

    /// The categories for one text, best first.
    func classify(_ vector: [Float]) -> [Score] {
        let cosines = vectors.map { Double(VectorMath.dot(vector, $0)) }
        let probabilities: [Double]
        if multiLabel {
            probabilities = cosines.map { 1 / (1 + exp(-($0 - Self.multiLabelBias) / Self.temperature)) }
        } else {
            let logits = cosines.map { $0 / Self.temperature }
            let top = logits.max() ?? 0
            let weights = logits.map { exp($0 - top) }
            let total = weights.reduce(0, +)
            probabilities = weights.map { $0 / total }
        }
        return zip(labels, probabilities).map { Score(label: $0, score: Float($1)) }
            .enumerated().sorted { $0.element.score != $1.element.score ? $0.element.score > $1.element.score : $0.offset < $1.offset }
            .map(\.element)
    }
}
