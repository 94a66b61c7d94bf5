import Foundation
import Logging
import Testing
import UvianHost

/// Calls a loaded plugin's `execute` directly (no queue, no schema check) on a thread of its own,
/// as the worker does, and returns how the plugin completed.
enum DirectCall {
    struct NullSink: TaskSink {
        func progress(_ fraction: Double, noteJSON: String?) {}
        func emit(event: String, payloadJSON: String) {}
        func log(level: Logger.Level, _ message: String) {}
        func invokeAsync(method: String, requestJSON: String, done: @escaping @Sendable (Int32, String) -> Void) { done(106, "") }
    }

    static let executor = BlockingExecutor(threads: 2, name: "direct-call")

    static func run(_ plugin: LoadedPlugin, _ taskType: String, _ paramsJSON: String, timeout: Double = 30) async throws -> PluginOutcome {
        try await run(plugin, taskType, bytes: Array(paramsJSON.utf8), timeout: timeout)
    }

    /// The same with the parameters as raw bytes, for inputs a String cannot hold (invalid UTF-8).
    static func run(_ plugin: LoadedPlugin, _ taskType: String, bytes params: [UInt8], timeout: Double = 30) async throws -> PluginOutcome {
        let type = try #require(plugin.taskTypes.first { $0.name == taskType })
        let task = RunningTask(id: UUID().uuidString, taskType: taskType, deadline: Date().addingTimeInterval(timeout),
                               logger: TestWorker.quietLogger, sink: NullSink())
        let handle = TaskHandle(pointer: TaskHandleTable.shared.register(task))
        executor.submit {
            let status = plugin.execute(typeIndex: type.index, task: handle.pointer, params: params)
            if status != 1, TaskHandleTable.shared.lookup(handle.pointer) != nil {
                TaskHandleTable.shared.remove(handle.pointer)
                task.finish(.failure(PluginOutcome.Status(abi: status), "returned \(status) without completing"))
            }
        }
        return await task.outcome()
    }
}

