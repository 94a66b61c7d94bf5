import Foundation

/// What a handler produced: the result's JSON bytes, or the error that fails the task.
enum TaskOutcome: Sendable {
    case success([UInt8])
    case failure(TaskError)

    static func capture(_ body: () throws -> [UInt8]) -> TaskOutcome {
        do {
            return .success(try body())
        } catch {
            return .failure(taskError(from: error))
        }
    }

    static func taskError(from error: any Error) -> TaskError {
        if let error = error as? TaskError { return error }
        if let error = error as? DecodingError { return .invalidParams(ParamsCodec.describe(error)) }
        if error is CancellationError { return TaskError(.cancelled, "cancelled") }
        if let error = error as? ParameterDecodingError { return .invalidParams(error.message) }
        return TaskError(.internal, String(describing: error))
    }
}
