// uvw-ml: the ml plugin's libraries without a worker, JSON in on stdin and JSON out on stdout, for the
// differential tests and bench/ml_bench.py.
//
//   {"mode": "tokenize", "texts": [...]}  -> {"ids": [[...], ...], "truncated": [...]}
//   {"mode": "embed", "texts": [...]}     -> {"embeddings": [{"vector": [...], "tokens": n, "truncated": b}, ...]}
//   {"mode": "bench", "texts": [...], "batch": 1 | 32, "seconds": s}
//                                         -> {"sentences_per_second": best, "median_sentences_per_second": median}
//        (timed in-process over 5 windows, tokenization included, process start and model load excluded)
//   {"mode": "sgemm", "seconds": s}       -> {"shapes": [{"m", "n", "k", "gflops"}, ...]}  (single BLAS thread)
//   {"mode": "sentiment", "texts": [...]} -> {"scores": [{"compound", "pos", "neu", "neg"}, ...]}
//   {"mode": "sentiment-bench", "texts": [...], "seconds": s} -> {"texts_per_second": best, "median_texts_per_second": median}
//   {"mode": "entities", "texts": [...]}  -> {"entities": [[{"text", "type", "start", "end", "confidence"}, ...], ...]}
//
// The model directory is --models DIR, else $ML_MODEL_DIR, else ~/.cache/uvian-worker/models (as the
// plugin reads it); iso-codes come from /usr/share/iso-codes/json.
import CBLAS
import Entities
import Glibc
import JSON
import ModelFiles
import TextEmbedding
import Vader
func fail(_ message: String) -> Never {
    let line = Array("uvw-ml: \(message)\n".utf8)
    _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    exit(1)
}

func readStandardInput() -> [UInt8] {
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
        if count < 0 && errno == EINTR { continue }
        if count <= 0 { break }
        bytes.append(contentsOf: chunk[0..<count])
    }
    return bytes
}

func modelsDirectory() -> String {
    let arguments = CommandLine.arguments
    if let index = arguments.firstIndex(of: "--models"), index + 1 < arguments.count { return arguments[index + 1] }
    if let base = getenv("ML_MODEL_DIR"), base.pointee != 0 { return String(cString: base) }
    return ModelFile.defaultDirectory()
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
}

/// Runs `body` for about `total` seconds split into `windows` timing windows (each at least one run) and
/// returns the best and the median rate in runs per second. The best window is the figure least disturbed
/// by other processes on a shared machine; the median shows how noisy it was.
func measure(total: Double, windows: Int = 5, _ body: () -> Void) -> (best: Double, median: Double) {
    body()  // warm-up: page in the weights, size the allocator
    let clock = ContinuousClock()
    var rates: [Double] = []
    for _ in 0..<windows {
        let start = clock.now
        var runs = 0
        repeat {
            body()
            runs += 1
        } while seconds(clock.now - start) < total / Double(windows)
        rates.append(Double(runs) / seconds(clock.now - start))
    }
    rates.sort()
    return (rates.last!, rates[rates.count / 2])
}

/// Single-thread sgemm speed, C = A·Bᵀ as the encoder's linear layers call it.
func sgemmRate(m: Int, n: Int, k: Int, minimum: Double) -> Double {
    let a = [Float](repeating: 0.5, count: m * k)
    let b = [Float](repeating: 0.25, count: n * k)
    var c = [Float](repeating: 0, count: m * n)
    let rate = measure(total: minimum) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(k), 1, a, Int32(k), b, Int32(k), 0, &c, Int32(n))
    }
    return 2 * Double(m) * Double(n) * Double(k) * rate.best / 1e9
}

let request: JSONValue
do {
    request = try JSONValue.parse(readStandardInput())
} catch {
    fail("invalid request: \(error)")
}
let mode = request["mode"]?.stringValue ?? ""
let texts = (request["texts"]?.arrayValue ?? []).map { $0.stringValue ?? "" }
let minimumSeconds = request["seconds"]?.doubleValue ?? 3

if mode == "sgemm" {
    if let error = uvw_blas_load_error() { fail(String(cString: error)) }
    // The encoder's shapes for a batch of 32 × 64 tokens (QKV, FFN in, FFN out), then a large cube.
    let shapes = [(2048, 1152, 384), (2048, 384, 384), (2048, 1536, 384), (2048, 384, 1536), (64, 384, 384), (1024, 1024, 1024)]
    let results: [JSONValue] = shapes.map { m, n, k in
        ["m": .number(Double(m)), "n": .number(Double(n)), "k": .number(Double(k)),
         "gflops": .number(sgemmRate(m: m, n: n, k: k, minimum: minimumSeconds))]
    }
    print(JSONValue.object(["shapes": .array(results)]).serialized())
    exit(0)
}

switch mode {
case "sentiment", "sentiment-bench":
    let analyzer: SentimentAnalyzer
    do {
        analyzer = SentimentAnalyzer(lexicon: try VaderLexicon(directory: modelsDirectory() + "/vader"))
    } catch {
        fail("\(error)")
    }
    if mode == "sentiment" {
        print(JSONValue.object(["scores": .array(texts.map { text in
            let scores = analyzer.polarityScores(text)
            return ["compound": .number(scores.compound), "pos": .number(scores.pos), "neu": .number(scores.neu), "neg": .number(scores.neg)]
        })]).serialized())
    } else {
        guard !texts.isEmpty else { fail("sentiment-bench needs texts") }
        let rate = measure(total: minimumSeconds) {
            for text in texts { _ = analyzer.polarityScores(text) }
        }
        print(JSONValue.object([
            "texts_per_second": .number(rate.best * Double(texts.count)),
            "median_texts_per_second": .number(rate.median * Double(texts.count)),
        ]).serialized())
    }
    exit(0)
case "entities":
    let recognizer: EntityRecognizer
    do {
        recognizer = EntityRecognizer(gazetteer: try Gazetteer.load(dataDirectory: modelsDirectory()))
    } catch {
        fail("\(error)")
    }
    print(JSONValue.object(["entities": .array(texts.map { text in
        .array(recognizer.entities(in: text).map { entity in
            ["text": .string(entity.text), "type": .string(entity.type.rawValue), "start": .number(Double(entity.start)),
             "end": .number(Double(entity.end)), "confidence": .number(entity.confidence)]
        })
    })]).serialized())
    exit(0)
default:
    break
}

let encoder: SentenceEncoder
do {
    encoder = try SentenceEncoder(modelDirectory: modelsDirectory() + "/all-MiniLM-L6-v2")
} catch {
    fail("\(error)")
}

switch mode {
case "tokenize":
    let tokenized = texts.map(encoder.tokenize)
    print(JSONValue.object([
        "ids": .array(tokenized.map { .array($0.ids.map { .number(Double($0)) }) }),
        "truncated": .array(tokenized.map { .bool($0.truncated) }),
    ]).serialized())
case "embed":
    let embeddings = encoder.embed(texts)
    print(JSONValue.object([
        "embeddings": .array(embeddings.map {
            ["vector": .array($0.vector.map { .number(Double($0)) }), "tokens": .number(Double($0.tokens)), "truncated": .bool($0.truncated)]
        }),
    ]).serialized())
case "bench":
    let batch = max(1, request["batch"]?.intValue ?? 1)
    guard !texts.isEmpty else { fail("bench needs texts") }
    let rate = measure(total: minimumSeconds) {
        var start = 0
        while start < texts.count {
            _ = encoder.embed(Array(texts[start..<min(start + batch, texts.count)]))
            start += batch
        }
    }
    print(JSONValue.object([
        "sentences_per_second": .number(rate.best * Double(texts.count)),
        "median_sentences_per_second": .number(rate.median * Double(texts.count)),
    ]).serialized())
default:
    fail("mode must be tokenize, embed, bench, sgemm, sentiment, sentiment-bench or entities")
}
