import UvianHost
import Foundation
import Logging
import Synchronization

/// What one plugin call costs the host, end to end: a task handle, `execute`, `complete`, and the
/// outcome handed back (`uvw-bench plugin-call`). In process isolation that includes the round
/// trip over the pipes.
enum PluginCallBenchmark {
    struct Result: Sendable {
        let calls: Int
        let seconds: Double
        var microsecondsPerCall: Double { seconds / Double(calls) * 1e6 }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func run(file: String, taskType: String, parametersJSON: String, isolation: String, calls: Int,
                           runner: PluginRunnerCommand) throws -> Result {
        let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        var spec = PluginSpec(name: "bench", path: file)
        spec.isolation = isolation
        spec.processes = 1
        let plugin: LoadedPlugin
        do {
            plugin = try PluginLoader(pluginDirs: [], logger: logger, runner: runner).load(spec)
        } catch {
            throw Failure(description: error.reason)
        }
        defer { plugin.shutdown() }
        guard let type = plugin.taskTypes.first(where: { $0.name == taskType }) else {
            throw Failure(description: "the plugin has no task type \(taskType)")
        }
        let params = Array(parametersJSON.utf8)
        let done = DispatchSemaphore(value: 0)
        let failures = Atomic<Int>(0)
        func call() {
            let task = RunningTask(id: "bench", taskType: taskType, deadline: nil, logger: logger, sink: DiscardingSink())
            task.onOutcome { outcome in
                if outcome.status != .ok { failures.add(1, ordering: .relaxed) }
                done.signal()
            }
            let handle = TaskHandleTable.shared.register(task)
            settleReturn(handle, status: plugin.execute(typeIndex: type.index, task: handle, params: params))
            done.wait()
        }
        for _ in 0..<min(1000, calls) { call() }  // warm-up
        let start = ContinuousClock.now
        for _ in 0..<calls { call() }
        let elapsed = ContinuousClock.now - start
        guard failures.load(ordering: .relaxed) == 0 else { throw Failure(description: "some calls failed") }
        return Result(calls: calls, seconds: elapsed.inSeconds)
    }
}

/// A sink that drops what a benchmarked plugin reports.
struct DiscardingSink: TaskSink {
    func progress(_ fraction: Double, noteJSON: String?) {}
    func emit(event: String, payloadJSON: String) {}
    func invokeAsync(method: String, requestJSON: String, done: @escaping @Sendable (Int32, String) -> Void) { done(106, "") }
    func log(level: Logger.Level, _ message: String) {}
}
