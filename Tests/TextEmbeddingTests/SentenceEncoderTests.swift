import Glibc
import Testing
@testable import TextEmbedding

/// The encoder on a tiny random-weight model with all-MiniLM-L6-v2's layout (hidden 8, 2 layers, 2 heads).
@Suite struct SentenceEncoderTests {
    static let texts = ["hello world", "", "the cafe!", "unaffable, hello world. a-b-c", "北京 x", "long long long longer"]

    static func withModel(maxSequenceLength: Int? = 10, _ body: (SentenceEncoder, TinyModel) throws -> Void) throws {
        let model = try TinyModel(maxSequenceLength: maxSequenceLength)
        defer { model.remove() }
        try body(try SentenceEncoder(modelDirectory: model.directory), model)
    }

    static func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }

    @Test func shapesAndUnitLength() throws {
        try Self.withModel { encoder, _ in
            #expect(encoder.dimensions == TinyModel.hidden)
            let embeddings = encoder.embed(Self.texts)
            #expect(embeddings.count == Self.texts.count)
            for embedding in embeddings {
                #expect(embedding.vector.count == TinyModel.hidden)
                let norm = embedding.vector.map { $0 * $0 }.reduce(0, +).squareRoot()
                #expect(abs(norm - 1) < 1e-5)
            }
            #expect(embeddings.map(\.tokens) == Self.texts.map { encoder.tokenize($0).ids.count })
            #expect(encoder.embed([]).isEmpty)
        }
    }

    @Test func matchesNaiveMaskedForwardPass() throws {
        try Self.withModel { encoder, model in
            let ids = Self.texts.map { encoder.tokenize($0).ids }
            // One padded batch for the naive version: the mask must make padding irrelevant.
            let expected = NaiveBert(model: model).embed(ids)
            let actual = encoder.embed(Self.texts)
            for (embedding, reference) in zip(actual, expected) {
                #expect(Self.maxDifference(embedding.vector, reference.map(Float.init)) < 1e-5)
            }
        }
    }

    @Test func emptyTextIsClsSep() throws {
        try Self.withModel { encoder, model in
            let embedding = try #require(encoder.embed([""]).first)
            #expect(embedding.tokens == 2)
            #expect(embedding.truncated == false)
            let expected = NaiveBert(model: model).embed([[2, 3]])[0].map(Float.init)
            #expect(Self.maxDifference(embedding.vector, expected) < 1e-5)
        }
    }

    @Test func batchingEqualsOneAtATime() throws {
        try Self.withModel { encoder, _ in
            // 70 texts: three batches of up to 32, lengths mixed so every batch is ragged.
            let texts = (0..<70).map { Self.texts[$0 % Self.texts.count] + String(repeating: " x", count: $0 % 5) }
            let together = encoder.embed(texts)
            for (text, embedding) in zip(texts, together) {
                let alone = try #require(encoder.embed([text]).first)
                #expect(Self.maxDifference(alone.vector, embedding.vector) < 1e-5)
                #expect(alone.tokens == embedding.tokens)
            }
        }
    }

    @Test func paddingInvariance() throws {
        try Self.withModel { encoder, _ in
            let short = "hello"
            let alone = try #require(encoder.embed([short]).first)
            // Batched with much longer texts, the short one would be padded in a rectangular batch.
            let mixed = encoder.embed(["long long long long long long long", short, "the cafe the cafe the cafe"])
            #expect(Self.maxDifference(alone.vector, mixed[1].vector) < 1e-5)
        }
    }

    @Test func truncationAtMaxSequenceLength() throws {
        try Self.withModel { encoder, model in
            let text = Array(repeating: "hello", count: 20).joined(separator: " ")
            let tokenized = encoder.tokenize(text)
            #expect(tokenized.ids.count == 10)
            #expect(tokenized.truncated)
            #expect(tokenized.ids.first == 2 && tokenized.ids.last == 3)
            let embedding = try #require(encoder.embed([text]).first)
            #expect(embedding.tokens == 10 && embedding.truncated)
            let expected = NaiveBert(model: model).embed([tokenized.ids])[0].map(Float.init)
            #expect(Self.maxDifference(embedding.vector, expected) < 1e-5)
            // Exactly at the limit: not truncated.
            let fits = encoder.tokenize(Array(repeating: "hello", count: 8).joined(separator: " "))
            #expect(fits.ids.count == 10 && !fits.truncated)
        }
    }

    @Test func withoutSentenceConfigTheModelsPositionsAreTheLimit() throws {
        try Self.withModel(maxSequenceLength: nil) { encoder, _ in
            #expect(encoder.maxSequenceLength == TinyModel.maxPositions)
            let tokenized = encoder.tokenize(Array(repeating: "x", count: 40).joined(separator: " "))
            #expect(tokenized.ids.count == TinyModel.maxPositions && tokenized.truncated)
        }
    }

    @Test func concurrentCallsGiveTheSameResults() async throws {
        let model = try TinyModel()
        defer { model.remove() }
        let encoder = try SentenceEncoder(modelDirectory: model.directory)
        let expected = encoder.embed(Self.texts)
        let results = await withTaskGroup(of: [SentenceEmbedding].self) { group in
            for _ in 0..<8 { group.addTask { encoder.embed(Self.texts) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        for result in results { #expect(result == expected) }
    }

    @Test func missingFilesAreNamed() throws {
        let model = try TinyModel()
        defer { model.remove() }
        for name in ["vocab.txt", "model.safetensors", "config.json"] {
            let path = model.directory + "/" + name
            let saved = try SentenceEncoder.readFile(path)
            try TinyModel.IOError.check(rename(path, path + ".moved") == 0)
            defer { _ = rename(path + ".moved", path) }
            #expect(throws: EmbeddingError.missingFile(path: path)) { try SentenceEncoder(modelDirectory: model.directory) }
            #expect(saved.count > 0)
        }
        #expect(throws: EmbeddingError.self) { try SentenceEncoder(modelDirectory: "/nonexistent/model") }
    }

    @Test func wrongTensorShapeOrDtypeIsReported() throws {
        let model = try TinyModel()
        defer { model.remove() }
        var tensors = model.tensors
        tensors["encoder.layer.1.intermediate.dense.bias"] = ([7], [Float](repeating: 0, count: 7))
        try TinyModel.write(TinyModel.safeTensorsBytes(tensors), to: model.directory + "/model.safetensors")
        #expect(throws: EmbeddingError.invalidModel(
            path: model.directory + "/model.safetensors",
            reason: "tensor encoder.layer.1.intermediate.dense.bias has shape [7], expected [16]"
        )) { try SentenceEncoder(modelDirectory: model.directory) }

        tensors = model.tensors
        tensors.removeValue(forKey: "embeddings.LayerNorm.bias")
        try TinyModel.write(
            TinyModel.safeTensorsBytes(tensors, extra: ["embeddings.LayerNorm.bias": ("F16", [TinyModel.hidden])]),
            to: model.directory + "/model.safetensors"
        )
        #expect(throws: EmbeddingError.invalidModel(
            path: model.directory + "/model.safetensors", reason: "tensor embeddings.LayerNorm.bias is F16, expected F32"
        )) { try SentenceEncoder(modelDirectory: model.directory) }
    }
}

extension TinyModel.IOError {
    static func check(_ condition: Bool) throws {
        if !condition { throw TinyModel.IOError(message: "file operation failed") }
    }
}
