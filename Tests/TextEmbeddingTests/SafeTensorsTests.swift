import Glibc
import JSON
import Testing
@testable import TextEmbedding

/// Header validation: every malformed file must fail at load with a message, never read out of bounds.
@Suite struct SafeTensorsTests {
    static func load(_ bytes: [UInt8]) throws(EmbeddingError) -> SafeTensors {
        let directory = try! TinyModel.temporaryDirectory()
        let path = directory + "/t.safetensors"
        try! TinyModel.write(bytes, to: path)
        defer { unlink(path); rmdir(directory) }
        return try SafeTensors(path: path)
    }

    static func reason(_ bytes: [UInt8]) -> String? {
        do {
            _ = try load(bytes)
            return nil
        } catch {
            guard case let .invalidSafeTensors(_, reason) = error else { return "\(error)" }
            return reason
        }
    }

    static func header(_ entries: [String: JSONValue]) -> [UInt8] { JSONValue.object(entries).serializedBytes() }

    static func tensor(_ dtype: String, _ shape: [Int], _ begin: Int, _ end: Int) -> JSONValue {
        ["dtype": .string(dtype), "shape": .array(shape.map { .number(Double($0)) }),
         "data_offsets": [.number(Double(begin)), .number(Double(end))]]
    }

    @Test func readsTensorsInPlace() throws {
        let values: [Float] = [1, -2, 3.5, 0.25, 5, 6]
        let bytes = TinyModel.safeTensorsBytes(["w": ([2, 3], values)], extra: ["ids": ("I64", [1, 4])])
        let file = try Self.load(bytes)
        #expect(file.tensors["w"]?.shape == [2, 3])
        #expect(file.tensors["ids"]?.dtype == "I64")
        let pointer = try file.floats("w", shape: [2, 3])
        #expect(Array(UnsafeBufferPointer(start: pointer, count: 6)) == values)
        #expect(throws: EmbeddingError.self) { try file.floats("ids", shape: [1, 4]) }
        #expect(throws: EmbeddingError.self) { try file.floats("w", shape: [3, 2]) }
        #expect(throws: EmbeddingError.self) { try file.floats("missing", shape: [1]) }
    }

    @Test func rejectsBadHeaderLength() {
        #expect(Self.reason([1, 2, 3])?.contains("shorter than the 8-byte header length") == true)
        let body = Self.header(["w": Self.tensor("F32", [1], 0, 4)])
        let tooLong = TinyModel.safeTensorsFile(header: body, data: [0, 0, 0, 0], declaredLength: 1 << 20)
        #expect(Self.reason(tooLong)?.contains("header length 1048576 exceeds") == true)
        let huge = TinyModel.safeTensorsFile(header: body, data: [0, 0, 0, 0], declaredLength: UInt64.max)
        #expect(Self.reason(huge)?.contains("exceeds") == true)
    }

    @Test func rejectsHeaderThatIsNotAJSONObject() {
        #expect(Self.reason(TinyModel.safeTensorsFile(header: Array("{\"w\": ".utf8), data: []))?.contains("not JSON") == true)
        #expect(Self.reason(TinyModel.safeTensorsFile(header: Array("[1, 2]".utf8), data: []))?.contains("not an object") == true)
    }

    @Test func rejectsOffsetsOutOfRange() {
        let data = [UInt8](repeating: 0, count: 8)
        let beyond = TinyModel.safeTensorsFile(header: Self.header(["w": Self.tensor("F32", [3], 0, 12)]), data: data)
        #expect(Self.reason(beyond)?.contains("data_offsets [0, 12] lie outside the 8 data bytes") == true)
        let reversed = TinyModel.safeTensorsFile(header: Self.header(["w": Self.tensor("F32", [0], 4, 0)]), data: data)
        #expect(Self.reason(reversed)?.contains("lie outside") == true)
        let negative = TinyModel.safeTensorsFile(header: Self.header(["w": Self.tensor("F32", [1], -4, 0)]), data: data)
        #expect(Self.reason(negative)?.contains("lie outside") == true)
        let sizeMismatch = TinyModel.safeTensorsFile(header: Self.header(["w": Self.tensor("F32", [3], 0, 8)]), data: data)
        #expect(Self.reason(sizeMismatch)?.contains("has 8 bytes but F32 [3] needs 12") == true)
        let missing = TinyModel.safeTensorsFile(header: Self.header(["w": ["dtype": "F32", "shape": [1]]]), data: data)
        #expect(Self.reason(missing)?.contains("no [begin, end] data_offsets") == true)
    }

    @Test func rejectsUnknownDtypeAndBadShape() {
        let data = [UInt8](repeating: 0, count: 8)
        let dtype = TinyModel.safeTensorsFile(header: Self.header(["w": Self.tensor("F31", [2], 0, 8)]), data: data)
        #expect(Self.reason(dtype)?.contains("unknown dtype F31") == true)
        let shape = TinyModel.safeTensorsFile(header: Self.header(["w": ["dtype": "F32", "shape": [-1], "data_offsets": [0, 4]]]), data: data)
        #expect(Self.reason(shape)?.contains("invalid shape") == true)
    }
}
