import PluginAPI
import Foundation

/// One task type of a plugin: its name, its parameter schema and the handler that runs it.
public struct TaskType<P: Plugin>: Sendable {
    public let name: String
    public let paramsSchema: String?
    public let description: String?
    public let maxConcurrency: UInt32
    public let flags: TaskFlags
    /// The declared self-test `uvian-worker plugin check` runs (ABI 1.2): see `selfTest(params:expect:)`.
    public private(set) var exampleParams: String?
    public private(set) var exampleResult: String?
    /// A self-test of an expected failure (ABI 1.3): the class it must fail with, and a part of its message.
    public private(set) var exampleFailure: TaskError.Kind?
    public private(set) var exampleError: String?
    /// Runs one task and returns the ABI status it finished with (or `UVW_PENDING`).
    let execute: @Sendable (P, [UInt8], TaskContext) -> uvw_status

    /// Declares a self-test: `params` (JSON valid against the schema) must complete, and give
    /// `expect` (JSON, key order ignored) when it is not nil.
    public func selfTest(params: String, expect: String? = nil) -> TaskType {
        var copy = self
        copy.exampleParams = params
        copy.exampleResult = expect
        return copy
    }

    /// Declares a self-test of an expected failure: `params` (which need not satisfy the schema)
    /// must fail with `kind`, with an error containing `containing` when it is not nil.
    public func selfTest(params: String, failsWith kind: TaskError.Kind, containing: String? = nil) -> TaskType {
        var copy = self
        copy.exampleParams = params
        copy.exampleFailure = kind
        copy.exampleError = containing
        return copy
    }

    /// A handler that runs synchronously on the host's worker thread. Right for CPU work and for
    /// blocking C libraries; it may block.
    public static func sync<Params: Decodable, Result: Encodable>(
        _ name: String,
        schema: String?,
        description: String? = nil,
        maxConcurrency: UInt32 = 0,
        flags: TaskFlags = [],
        _ body: @escaping @Sendable (P, Params, TaskContext) throws -> Result
    ) -> TaskType {
        TaskType(name: name, paramsSchema: schema, description: description, maxConcurrency: maxConcurrency, flags: flags) {
            plugin, params, context in
            let outcome = TaskOutcome.capture {
                let decoded = try ParamsCodec.decode(Params.self, from: params)
                return try ParamsCodec.encode(try body(plugin, decoded, context))
            }
            return context.complete(outcome)
        }
    }

    /// A handler that uses Swift concurrency. PluginKit returns `UVW_PENDING` at once and completes
    /// the task from the `Task` when the handler finishes, so no host thread waits on the
    /// cooperative pool.
    public static func async<Params: Decodable & Sendable, Result: Encodable & Sendable>(
        _ name: String,
        schema: String?,
        description: String? = nil,
        maxConcurrency: UInt32 = 0,
        flags: TaskFlags = [],
        _ body: @escaping @Sendable (P, Params, TaskContext) async throws -> Result
    ) -> TaskType {
        TaskType(
            name: name, paramsSchema: schema, description: description, maxConcurrency: maxConcurrency,
            flags: flags.union(.mayGoAsync)
        ) { plugin, params, context in
            let decoded: Params
            do {
                decoded = try ParamsCodec.decode(Params.self, from: params)
            } catch {
                return context.complete(.failure(TaskOutcome.taskError(from: error)))
            }
            Task {
                let outcome: TaskOutcome
                do {
                    outcome = .success(try ParamsCodec.encode(try await body(plugin, decoded, context)))
                } catch {
                    outcome = .failure(TaskOutcome.taskError(from: error))
                }
                _ = context.complete(outcome)
            }
            return uvw_status(UVW_PENDING)
        }
    }
}
