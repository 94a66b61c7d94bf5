import JSON

/// A safetensors file: an 8-byte little-endian header length, a JSON header describing each tensor
/// (dtype, shape, data_offsets relative to the end of the header), then the raw little-endian data.
///
/// The file stays memory-mapped; `floats(_:)` hands out pointers into the mapping. Everything the
/// header claims is checked against the file before any pointer is made, so a truncated or corrupt
/// file fails at load with a message instead of reading out of bounds later.
public struct SafeTensors: @unchecked Sendable {  // the mapping is read-only and owned by `file`
    public struct TensorInfo: Sendable, Equatable {
        public let dtype: String
        public let shape: [Int]
        /// Byte range of the tensor's data within the file (already offset past the header).
        public let byteRange: Range<Int>
    }

    /// Bytes per element of the dtypes the format defines (the model only uses F32, plus I64 position ids).
    static let elementSizes: [String: Int] = [
        "BOOL": 1, "U8": 1, "I8": 1, "F8_E4M3": 1, "F8_E5M2": 1,
        "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
        "I32": 4, "U32": 4, "F32": 4, "I64": 8, "U64": 8, "F64": 8,
    ]

    /// Headers are small (a few KB for BERT); the format's own reader caps them at 100 MB.
    static let maxHeaderLength = 100_000_000

    let file: MappedFile
    public let tensors: [String: TensorInfo]

    public var path: String { file.path }

    public init(path: String) throws(EmbeddingError) {
        try self.init(file: MappedFile(path: path))
    }

    init(file: MappedFile) throws(EmbeddingError) {
        self.file = file
        let bytes = file.bytes
        func fail(_ reason: String) -> EmbeddingError { .invalidSafeTensors(path: file.path, reason: reason) }

        guard bytes.count >= 8 else { throw fail("the file is \(bytes.count) bytes, shorter than the 8-byte header length") }
        var headerLength: UInt64 = 0
        for index in 0..<8 { headerLength |= UInt64(bytes[index]) << (8 * UInt64(index)) }
        guard headerLength <= UInt64(Self.maxHeaderLength), Int(headerLength) <= bytes.count - 8 else {
            throw fail("header length \(headerLength) exceeds the file's \(bytes.count - 8) remaining bytes")
        }
        let dataStart = 8 + Int(headerLength)
        let header: JSONValue
        do {
            header = try JSONValue.parse(UnsafeRawBufferPointer(rebasing: bytes[8..<dataStart]))
        } catch {
            throw fail("header is not JSON: \(error)")
        }
        guard let entries = header.objectValue else { throw fail("header is \(header.typeName), not an object") }

        var tensors: [String: TensorInfo] = [:]
        let dataLength = bytes.count - dataStart
        for (name, entry) in entries where name != "__metadata__" {
            guard let dtype = entry["dtype"]?.stringValue else { throw fail("tensor \(name) has no dtype") }
            guard let elementSize = Self.elementSizes[dtype] else { throw fail("tensor \(name) has unknown dtype \(dtype)") }
            guard let shapeValues = entry["shape"]?.arrayValue else { throw fail("tensor \(name) has no shape") }
            var shape: [Int] = []
            var count = 1
            for value in shapeValues {
                guard let dimension = value.intValue, dimension >= 0, dimension < 1 << 40 else {
                    throw fail("tensor \(name) has an invalid shape \(shapeValues)")
                }
                shape.append(dimension)
                let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
                guard !overflow, product < 1 << 40 else { throw fail("tensor \(name) is too large") }
                count = product
            }
            guard let offsets = entry["data_offsets"]?.arrayValue, offsets.count == 2,
                  let begin = offsets[0].intValue, let end = offsets[1].intValue
            else { throw fail("tensor \(name) has no [begin, end] data_offsets") }
            guard 0 <= begin, begin <= end, end <= dataLength else {
                throw fail("tensor \(name) data_offsets [\(begin), \(end)] lie outside the \(dataLength) data bytes")
            }
            guard end - begin == count * elementSize else {
                throw fail("tensor \(name) has \(end - begin) bytes but \(dtype) \(shape) needs \(count * elementSize)")
            }
            tensors[name] = TensorInfo(dtype: dtype, shape: shape, byteRange: (dataStart + begin)..<(dataStart + end))
        }
        self.tensors = tensors
    }

    /// The F32 tensor `name`, checked against the expected shape, as a pointer into the mapping.
    ///
    /// Safetensors data is little-endian and this code only runs on little-endian machines (x86-64, arm64).
    public func floats(_ name: String, shape expected: [Int]) throws(EmbeddingError) -> UnsafePointer<Float> {
        guard let info = tensors[name] else { throw .invalidModel(path: path, reason: "tensor \(name) is missing") }
        guard info.dtype == "F32" else {
            throw .invalidModel(path: path, reason: "tensor \(name) is \(info.dtype), expected F32")
        }
        guard info.shape == expected else {
            throw .invalidModel(path: path, reason: "tensor \(name) has shape \(info.shape), expected \(expected)")
        }
        let address = file.bytes.baseAddress! + info.byteRange.lowerBound
        // The header may place F32 data at any offset; the model's offsets are all 4-byte aligned, and
        // BLAS and the loops below need aligned floats, so reject anything else instead of misreading it.
        guard Int(bitPattern: address) % MemoryLayout<Float>.alignment == 0 else {
            throw .invalidModel(path: path, reason: "tensor \(name) is not 4-byte aligned in the file")
        }
        return address.assumingMemoryBound(to: Float.self)
    }
}
