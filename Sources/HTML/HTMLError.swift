/// Why a document could not be produced. `description` starts with a stable code for job results.
public enum HTMLError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input has more bytes than `HTMLLimits.maxBytes` (checked before any work).
    case tooLargeInput(bytes: Int, limit: Int)
    /// The parsed tree has more nodes than `HTMLLimits.maxNodes`.
    case tooManyNodes(limit: Int)
    /// Elements open inside each other deeper than `HTMLLimits.maxDepth` (checked before parsing).
    case tooDeep(limit: Int)
    /// gumbo returned no tree (out of memory).
    case parseFailed

    public var description: String {
        switch self {
        case let .tooLargeInput(bytes, limit): "too_large: input is \(bytes) bytes, limit is \(limit)"
        case let .tooManyNodes(limit): "too_large: document has more than \(limit) nodes"
        case let .tooDeep(limit): "too_large: elements are nested more than \(limit) deep"
        case .parseFailed: "parse_failed: the HTML parser returned no document"
        }
    }
}
