import JSON

/// Adopt this on a parameters type to read it from the parsed JSON yourself, e.g. to word errors
/// for your users. A thrown `TaskError` reaches the user as is; any other error becomes
/// `invalidParams`.
public protocol CustomParameterDecoding {
    static func decodeParameters(from json: JSONValue) throws -> Self
}

/// Wraps a non-`TaskError` thrown by `decodeParameters` so it is reported as invalid parameters.
struct ParameterDecodingError: Error {
    let message: String
}
