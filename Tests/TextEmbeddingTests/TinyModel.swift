import Glibc
import JSON
@testable import TextEmbedding

/// A deterministic pseudo-random generator (SplitMix64), so the tiny model's weights are the same on every run.
struct SplitMix64 {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [-scale, scale].
    mutating func float(scale: Float) -> Float {
        Float(Double(next() >> 11) / Double(1 << 53) * 2 - 1) * scale
    }
}

/// A randomly initialised BERT with all-MiniLM-L6-v2's tensor layout but tiny sizes, written to a temporary
/// model directory (model.safetensors, config.json, vocab.txt, sentence_bert_config.json).
struct TinyModel {
    static let hidden = 8
    static let layers = 2
    static let heads = 2
    static let intermediate = 16
    static let maxPositions = 16
    static let vocabulary = [
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "!", ",", ".", "-", "un", "##aff", "##able", "the", "cafe",
        "hello", "world", "北", "京", "a", "##b", "##c", "i", "##stanbul", "strasse", "emoji", "long", "##er", "x",
    ]

    let directory: String
    let tensors: [String: (shape: [Int], values: [Float])]

    /// `maxSequenceLength` goes to sentence_bert_config.json (nil: no such file).
    init(seed: UInt64 = 7, maxSequenceLength: Int? = 10) throws {
        var random = SplitMix64(state: seed)
        var tensors: [String: (shape: [Int], values: [Float])] = [:]
        func add(_ name: String, _ shape: [Int], scale: Float = 0.5, offset: Float = 0) {
            let count = shape.reduce(1, *)
            tensors[name] = (shape, (0..<count).map { _ in offset + random.float(scale: scale) })
        }
        let h = Self.hidden
        let f = Self.intermediate
        add("embeddings.word_embeddings.weight", [Self.vocabulary.count, h])
        add("embeddings.position_embeddings.weight", [Self.maxPositions, h])
        add("embeddings.token_type_embeddings.weight", [2, h])
        add("embeddings.LayerNorm.weight", [h], scale: 0.2, offset: 1)
        add("embeddings.LayerNorm.bias", [h], scale: 0.1)
        for layer in 0..<Self.layers {
            let p = "encoder.layer.\(layer)."
            for name in ["query", "key", "value"] {
                add(p + "attention.self.\(name).weight", [h, h])
                add(p + "attention.self.\(name).bias", [h], scale: 0.1)
            }
            add(p + "attention.output.dense.weight", [h, h])
            add(p + "attention.output.dense.bias", [h], scale: 0.1)
            add(p + "attention.output.LayerNorm.weight", [h], scale: 0.2, offset: 1)
            add(p + "attention.output.LayerNorm.bias", [h], scale: 0.1)
            add(p + "intermediate.dense.weight", [f, h])
            add(p + "intermediate.dense.bias", [f], scale: 0.1)
            add(p + "output.dense.weight", [h, f])
            add(p + "output.dense.bias", [h], scale: 0.1)
            add(p + "output.LayerNorm.weight", [h], scale: 0.2, offset: 1)
            add(p + "output.LayerNorm.bias", [h], scale: 0.1)
        }
        add("pooler.dense.weight", [h, h])
        add("pooler.dense.bias", [h])
        self.tensors = tensors

        directory = try Self.temporaryDirectory()
        try Self.write(Self.safeTensorsBytes(tensors, extra: ["embeddings.position_ids": ("I64", [1, Self.maxPositions])]),
                       to: directory + "/model.safetensors")
        let config: JSONValue = [
            "hidden_size": .number(Double(h)), "num_hidden_layers": .number(Double(Self.layers)),
            "num_attention_heads": .number(Double(Self.heads)), "intermediate_size": .number(Double(f)),
            "vocab_size": .number(Double(Self.vocabulary.count)), "max_position_embeddings": .number(Double(Self.maxPositions)),
            "type_vocab_size": 2, "layer_norm_eps": 1e-12, "hidden_act": "gelu",
        ]
        try Self.write(config.serializedBytes(), to: directory + "/config.json")
        try Self.write(Array((Self.vocabulary.joined(separator: "\n") + "\n").utf8), to: directory + "/vocab.txt")
        if let maxSequenceLength {
            let sentenceConfig: JSONValue = ["max_seq_length": .number(Double(maxSequenceLength)), "do_lower_case": false]
            try Self.write(sentenceConfig.serializedBytes(), to: directory + "/sentence_bert_config.json")
        }
    }

    func remove() {
        for name in ["model.safetensors", "config.json", "vocab.txt", "sentence_bert_config.json"] {
            unlink(directory + "/" + name)
        }
        rmdir(directory)
    }

    // MARK: Files

    struct IOError: Error { let message: String }

    static func temporaryDirectory() throws -> String {
        var template = Array("/tmp/uvw-embed-test-XXXXXX".utf8CString)
        guard let path = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw IOError(message: "mkdtemp failed")
        }
        return String(cString: path)
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        guard let file = fopen(path, "wb") else { throw IOError(message: "cannot create \(path)") }
        defer { fclose(file) }
        guard bytes.withUnsafeBytes({ fwrite($0.baseAddress, 1, $0.count, file) }) == bytes.count else {
            throw IOError(message: "cannot write \(path)")
        }
    }

    /// A safetensors file: F32 tensors in name order, plus zero-filled `extra` tensors of other dtypes.
    static func safeTensorsBytes(
        _ tensors: [String: (shape: [Int], values: [Float])], extra: [String: (dtype: String, shape: [Int])] = [:]
    ) -> [UInt8] {
        var header: [String: JSONValue] = ["__metadata__": ["format": "pt"]]
        var data: [UInt8] = []
        for (name, (dtype, shape)) in extra.sorted(by: { $0.key < $1.key }) {
            let size = shape.reduce(1, *) * (SafeTensors.elementSizes[dtype] ?? 1)
            header[name] = ["dtype": .string(dtype), "shape": .array(shape.map { .number(Double($0)) }),
                            "data_offsets": [.number(Double(data.count)), .number(Double(data.count + size))]]
            data += [UInt8](repeating: 0, count: size)
        }
        for (name, tensor) in tensors.sorted(by: { $0.key < $1.key }) {
            let begin = data.count
            for value in tensor.values { withUnsafeBytes(of: value.bitPattern.littleEndian) { data += $0 } }
            header[name] = ["dtype": "F32", "shape": .array(tensor.shape.map { .number(Double($0)) }),
                            "data_offsets": [.number(Double(begin)), .number(Double(data.count))]]
        }
        return safeTensorsFile(header: JSONValue.object(header).serializedBytes(), data: data)
    }

    /// Length prefix, header padded with spaces to a multiple of 8 (as the format's writer does), data.
    static func safeTensorsFile(header: [UInt8], data: [UInt8], declaredLength: UInt64? = nil) -> [UInt8] {
        var header = header
        while header.count % 8 != 0 { header.append(0x20) }
        let length = declaredLength ?? UInt64(header.count)
        var bytes: [UInt8] = (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * UInt64($0))) }
        bytes += header
        bytes += data
        return bytes
    }
}
