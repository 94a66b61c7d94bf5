import PluginAPI

/// An error a task handler throws to fail its task with a given class.
///
/// The class decides what the host does next: `.retryable`, `.timeout` and `.internal` are retried
/// while the job has attempts left; the others fail the task at once. Any other `Error` thrown by a
/// handler is reported as `.internal`; a `DecodingError` while reading parameters as `.invalidParams`.
public struct TaskError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable {
        case invalidParams, cancelled, timeout, retryable, permanent, `internal`, unsupported

        var status: uvw_status {
            switch self {
            case .invalidParams: uvw_status(UVW_ERR_INVALID_PARAMS)
            case .cancelled: uvw_status(UVW_ERR_CANCELLED)
            case .timeout: uvw_status(UVW_ERR_TIMEOUT)
            case .retryable: uvw_status(UVW_ERR_RETRYABLE)
            case .permanent: uvw_status(UVW_ERR_PERMANENT)
            case .internal: uvw_status(UVW_ERR_INTERNAL)
            case .unsupported: uvw_status(UVW_ERR_UNSUPPORTED)
            }
        }
    }

    public let kind: Kind
    public let message: String
    /// What the task reports beside its error (an upstream HTTP status, an exit code), as JSON:
    /// the host keeps it as the failed task's `result` (ABI 1.3).
    public let resultJSON: [UInt8]?

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
        self.resultJSON = nil
    }

    /// An error that keeps `result` with the failed task.
    public init<Result: Encodable>(_ kind: Kind, _ message: String, result: Result) {
        self.kind = kind
        self.message = message
        self.resultJSON = try? ParamsCodec.encode(result)
    }

    public static func invalidParams(_ message: String) -> TaskError { TaskError(.invalidParams, message) }
    public static func permanent(_ message: String) -> TaskError { TaskError(.permanent, message) }
    public static func retryable(_ message: String) -> TaskError { TaskError(.retryable, message) }

    public var description: String { message }
}
