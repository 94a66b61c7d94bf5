/// Why a selector could not be used. `description` is the stable, user-facing form job results carry:
/// `invalid_selector: expected a selector after '>' at position 4` (positions are 0-based UTF-8 offsets).
public enum SelectorError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Parse failure: what the parser expected (or found unsupported) and where.
    case invalid(String, position: Int)
    /// Matching took more than `SelectorLimits.maxSteps` element visits/comparisons.
    case tooCostly(limit: Int)

    public var description: String {
        switch self {
        case let .invalid(message, position): "invalid_selector: \(message) at position \(position)"
        case let .tooCostly(limit): "selector_too_costly: matching needed more than \(limit) steps"
        }
    }
}

/// Caps for user-supplied selectors: text length and nesting (parse time), work (match time).
/// Backtracking combinators plus `:has()`/`:nth-child(of S)` can be made super-linear, hence `maxSteps`.
public struct SelectorLimits: Sendable {
    public var maxLength: Int
    public var maxNestingDepth: Int
    public var maxSteps: Int

    public init(maxLength: Int = 2_000, maxNestingDepth: Int = 32, maxSteps: Int = 50_000_000) {
        self.maxLength = maxLength
        self.maxNestingDepth = maxNestingDepth
        self.maxSteps = maxSteps
    }
}
