import JSON

/// Adopt this on a parameters type to read it from the parsed JSON yourself, e.g. to word errors
/// for your users. A thrown `TaskError` reaches the user as is; any other error becomes
/// `invalidParams`.
public protocol CustomParameterDecoding {
    static func decodeParameters(from json: JSONValue) throws -> Self
}

extension CustomParameterDecoding where Self: Decodable {
    /// The same reading for callers that go through `Decodable` (PluginKit itself calls
    /// `decodeParameters` directly). Being a witness in an extension, it is used instead of a
    /// synthesised `init(from:)`, so a parameters type declares `Decodable` and writes nothing more.
    public init(from decoder: any Decoder) throws {
        self = try Self.decodeParameters(from: try decoder.singleValueContainer().decode(JSONValue.self))
    }
}

/// Wraps a non-`TaskError` thrown by `decodeParameters` so it is reported as invalid parameters.
struct ParameterDecodingError: Error {
    let message: String
}
