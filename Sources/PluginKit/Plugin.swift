import PluginAPI

/// A task plugin written in Swift.
///
/// Conform a final class to `Plugin`, list its task types, and export the C entry point in one line:
///
/// ```swift
/// @_cdecl("uvw_plugin_entry_v1")
/// public func uvw_plugin_entry_v1() -> UnsafePointer<uvw_plugin_v1> {
///     PluginExport.descriptor(for: MyPlugin.self)
/// }
/// ```
///
/// PluginKit does the C bridging: it builds the static descriptor, decodes each job's parameters
/// into your `Decodable` type, encodes your result, maps thrown errors to ABI status codes, and runs
/// `async` handlers on Swift concurrency through the ABI's `UVW_PENDING` path (never by blocking a
/// host thread on a `Task`, which deadlocks once the cooperative pool is full).
public protocol Plugin: AnyObject, Sendable {
    /// Plugin name as listed in plugins.yaml, e.g. `"data"`.
    static var name: String { get }
    static var version: String { get }
    static var description: String { get }
    /// The task types this plugin runs. Read once, when the descriptor is built.
    static var taskTypes: [TaskType<Self>] { get }

    /// Called once when the host loads the plugin. Throw to refuse loading; the message is shown
    /// to the operator.
    init(config: PluginConfig, host: HostServices) throws

    /// Called once after the last task finished, before the plugin is retired.
    func shutdown()
}

extension Plugin {
    public static var description: String { "" }
    public func shutdown() {}
}
