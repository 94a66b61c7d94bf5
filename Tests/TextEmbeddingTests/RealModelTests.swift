import Glibc
import Testing
@testable import TextEmbedding

/// all-MiniLM-L6-v2 itself, when the project's setup has installed it ($ML_MODEL_DIR, by default
/// ~/.cache/uvian-worker/models). The full differential test against `tokenizers` and numpy is diff_embed.py.
@Suite(.enabled(if: InstalledModel.directory != nil, "all-MiniLM-L6-v2 is not installed"))
struct RealModelTests {
    static var directory: String? { InstalledModel.directory }
}

enum InstalledModel {
    static let directory: String? = {
        let base = getenv("ML_MODEL_DIR").map { String(cString: $0) }
            ?? (getenv("HOME").map { String(cString: $0) } ?? "/root") + "/.cache/uvian-worker/models"
        let path = base + "/all-MiniLM-L6-v2"
        return access(path + "/model.safetensors", R_OK) == 0 ? path : nil
    }()
}

extension RealModelTests {
    @Test func quickstartSimilarities() throws {
        let encoder = try SentenceEncoder(modelDirectory: try #require(Self.directory))
        #expect(encoder.dimensions == 384)
        let embeddings = encoder.embed(["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."])
        func cosine(_ a: Int, _ b: Int) -> Float { zip(embeddings[a].vector, embeddings[b].vector).map(*).reduce(0, +) }
        // The similarity matrix published in the sentence-transformers quickstart.
        #expect(abs(cosine(0, 1) - 0.6660) < 5e-4)
        #expect(abs(cosine(0, 2) - 0.1046) < 5e-4)
        #expect(abs(cosine(1, 2) - 0.1411) < 5e-4)
    }

    @Test func tokenizesLikeHuggingFace() throws {
        let encoder = try SentenceEncoder(modelDirectory: try #require(Self.directory))
        // Ids from tokenizers 0.23.3 with the model's tokenizer.json (no padding, truncation 256).
        #expect(encoder.tokenize("Hello, World! İstanbul naïve café 北京 🤣 unaffable").ids
                == [101, 7592, 1010, 2088, 999, 9960, 15743, 7668, 1781, 1755, 100, 14477, 20961, 3468, 102])
        #expect(encoder.tokenize("a[SEP]b").ids == [101, 1037, 102, 1038, 102])
        let long = encoder.tokenize(String(repeating: "word ", count: 300))
        #expect(long.ids.count == 256 && long.truncated)
        #expect(encoder.embed([""])[0].tokens == 2)
    }

    @Test func concurrentCallsMatchSequentialOnes() async throws {
        let encoder = try SentenceEncoder(modelDirectory: try #require(Self.directory))
        let texts = ["A man is eating food.", "Ein Mann isst.", String(repeating: "long text ", count: 40), ""]
        let expected = encoder.embed(texts)
        let results = await withTaskGroup(of: [SentenceEmbedding].self) { group in
            for _ in 0..<4 { group.addTask { encoder.embed(texts) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        for result in results { #expect(result == expected) }
    }
}
