import JSON

/// Parameters in, results out, through the one JSON library: the bytes are parsed once, then
/// decoded into the handler's `Decodable` type, and the result is encoded and written by the same
/// library. Decoding errors are worded for the API user, who sees them as the task's error.
enum ParamsCodec {
    static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        let value: JSONValue
        do {
            // The host always sends an object; no bytes at all read as no parameters.
            value = bytes.isEmpty ? .object([:]) : try JSONValue.parse(bytes)
        } catch {
            throw TaskError.invalidParams("parameters are not valid JSON: \(error)")
        }
        if let custom = T.self as? any CustomParameterDecoding.Type {
            do {
                return try custom.decodeParameters(from: value) as! T
            } catch let error as TaskError {
                throw error
            } catch {
                throw ParameterDecodingError(message: String(describing: error))
            }
        }
        return try JSONValueDecoder().decode(T.self, from: value)
    }

    static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        try JSONValueEncoder().encodeBytes(value)
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
            return "\(path(context)): expected \(type), \(context.debugDescription)"
        case .valueNotFound(let type, let context):
            return "\(path(context)): expected \(type), found null"
        case .dataCorrupted(let context):
            return "\(path(context)): \(context.debugDescription)"
        @unknown default:
            return "invalid parameters"
        }
    }
}
