import JSON
/// How a plugin generation's code is reached: loaded into this process, or in supervised
/// `plugin-runner` children (`isolation: process`).
package protocol PluginBackend: Sendable {
    /// Whether retiring the generation really frees its code (C in-process; always for a process).
    var unloadable: Bool { get }
    /// Starts one task. Blocks: call it on a `BlockingExecutor` thread only. Returns the plugin's
    /// status; the outcome arrives through `completeTask` (see `settleReturn`).
    func execute(typeIndex: UInt32, task: OpaquePointer, params: [UInt8]) -> Int32
    /// Advisory cancel: the task was cancelled or timed out.
    func cancel(task: OpaquePointer)
    /// The task did not stop within its grace period and was given up on. Returns what was done
    /// about it, for the job's error (a process backend kills the child), or nil.
    func abandon(task: OpaquePointer) -> String?
    /// Releases the plugin's state; no task runs any more.
    func shutdown()
    /// After `shutdown`: frees the code where that is safe. Returns whether it did.
    func unload() -> Bool
    /// For `/plugins`: the children of a process-isolated plugin; nil in-process.
    var processSummary: JSONValue? { get }
}

extension PluginBackend {
    package var processSummary: JSONValue? { nil }
}
