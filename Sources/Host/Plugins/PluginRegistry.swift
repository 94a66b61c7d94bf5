import Logging
import Synchronization

/// The plugins of this worker: those that loaded, those refused and why, and the task-type routing.
public final class PluginRegistry: Sendable {
    /// A refused plugin, kept so `/plugins` and `uvian-worker plugins` can say why.
    public struct Refusal: Sendable {
        public let spec: PluginSpec
        public let error: PluginLoadError
    }

    /// Where a task type runs.
    public struct Route: Sendable {
        public let plugin: LoadedPlugin
        public let taskType: TaskTypeInfo
    }

    private struct State {
        var loaded: [LoadedPlugin] = []
        var refused: [Refusal] = []
        var disabled: [PluginSpec] = []
        var routes: [String: Route] = [:]
    }
    private let state = Mutex(State())
    private let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    /// Loads every enabled plugin of the file. A refused plugin is logged and skipped; the others load.
    public func loadAll(_ file: PluginsFile) {
        let loader = PluginLoader(pluginDirs: file.pluginDirs, logger: logger)
        for spec in file.plugins {
            guard spec.enabled else {
                state.withLock { $0.disabled.append(spec) }
                continue
            }
            let taken = state.withLock { state in state.routes.mapValues { $0.plugin.name } }
            do {
                let plugin = try loader.load(spec, takenTaskTypes: taken)
                state.withLock { state in
                    state.loaded.append(plugin)
                    for taskType in plugin.taskTypes { state.routes[taskType.name] = Route(plugin: plugin, taskType: taskType) }
                }
                logger.info("plugin.loaded", metadata: [
                    "plugin": "\(plugin.name)", "plugin.version": "\(plugin.version)", "plugin.file": "\(plugin.file)",
                    "plugin.task_types": "\(plugin.taskTypes.map(\.name).joined(separator: ","))",
                ])
            } catch {
                state.withLock { $0.refused.append(Refusal(spec: spec, error: error)) }
                logger.error("plugin.refused", metadata: [
                    "plugin": "\(spec.name)", "plugin.file": "\(error.file ?? "-")", "error": "\(error.reason)",
                ])
            }
        }
    }

    public func route(_ taskType: String) -> Route? { state.withLock { $0.routes[taskType] } }
    public var loaded: [LoadedPlugin] { state.withLock { $0.loaded } }
    public var refused: [Refusal] { state.withLock { $0.refused } }
    public var disabled: [PluginSpec] { state.withLock { $0.disabled } }
    public var taskTypeNames: [String] { state.withLock { $0.routes.keys.sorted() } }

    /// Calls every plugin's `shutdown`. Run only once no task is in flight.
    public func shutdownAll() {
        for plugin in loaded { plugin.shutdown() }
    }
}
