import Foundation

/// JSON decoding of parameters and encoding of results, with readable decoding errors: the
/// message reaches the API user as the task's error.
enum ParamsCodec {
    static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        if let custom = T.self as? any CustomParameterDecoding.Type {
            do {
                return try custom.decodeParameters(from: bytes) as! T
            } catch let error as TaskError {
                throw error
            } catch {
                throw ParameterDecodingError(message: String(describing: error))
            }
        }
        return try JSONDecoder().decode(T.self, from: Data(bytes.isEmpty ? Array("{}".utf8) : bytes))
    }

    static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let parts = context.codingPath.map { key in key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)" }
            let joined = parts.joined()
            return joined.hasPrefix(".") ? String(joined.dropFirst()) : (joined.isEmpty ? "parameters" : joined)
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context)
            return parent == "parameters" ? "missing parameter '\(key.stringValue)'" : "\(parent): missing '\(key.stringValue)'"
        case .typeMismatch(let type, let context):
            return "\(path(context)): expected \(type)"
        case .valueNotFound(let type, let context):
            return "\(path(context)): expected \(type), found null"
        case .dataCorrupted(let context):
            return "\(path(context)): \(context.debugDescription)"
        @unknown default:
            return "invalid parameters"
        }
    }
}
