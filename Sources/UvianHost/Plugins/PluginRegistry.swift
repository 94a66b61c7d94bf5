import Foundation
package import Logging
import Synchronization

/// The plugins of this worker: those that loaded, those refused and why, and the task-type routing.
package final class PluginRegistry: Sendable {
    /// A refused plugin, kept so `/plugins` and `uvian-worker plugins` can say why.
    package struct Refusal: Sendable {
        package let spec: PluginSpec
        package let error: PluginLoadError
    }

    /// Where a task type runs.
    package struct Route: Sendable {
        package let plugin: LoadedPlugin
        package let taskType: TaskTypeInfo
    }

    private struct State {
        var loaded: [LoadedPlugin] = []
        var refused: [Refusal] = []
        var disabled: [PluginSpec] = []
        var routes: [String: Route] = [:]
        /// Replaced generations still finishing their jobs.
        var draining: [LoadedPlugin] = []
        /// Retired generations that stay mapped (Swift and other runtimes), per plugin name.
        var leaked: [String: Int] = [:]
        /// Why the last reload of a plugin failed (cleared by a successful one).
        var reloadErrors: [String: String] = [:]
    }
    private let state = Mutex(State())
    private let logger: Logger
    /// Where plugin files are staged by content hash before loading (nil: loaded in place).
    let stagingDir: String?

    /// Starts the children of process-isolated plugins.
    let runner: PluginRunnerCommand
    /// Where loads run: dlopen, `init`, a child's start-up and file hashing block, so never on
    /// Swift's cooperative pool.
    private let loads = BlockingExecutor(threads: 1, maxThreads: 8, name: "plugin-load")
    /// One lock per plugin name: the reloads of a plugin (HTTP, SIGHUP, the file watcher) run one
    /// after the other, each seeing the generation the previous one left.
    private let reloadLocks = Mutex<[String: NSLock]>([:])

    package init(logger: Logger, stagingDir: String? = nil, runner: PluginRunnerCommand = .current) {
        self.logger = logger
        self.stagingDir = stagingDir
        self.runner = runner
    }

    /// Loads every enabled plugin of the file, off the cooperative pool. A refused plugin is
    /// logged and skipped; the others load.
    package func loadAll(_ file: PluginsFile) async {
        await offPool { self.loadAllNow(file) }
    }

    private func loadAllNow(_ file: PluginsFile) {
        defer {
            // Copies left by earlier runs (and by generations no worker uses any more).
            if let stagingDir, case let removed = StagedPluginFile.sweep(stagingDir), !removed.isEmpty {
                logger.info("plugins.staging.swept", metadata: ["plugins.removed": "\(removed.count)"])
            }
        }
        let loader = PluginLoader(pluginDirs: file.pluginDirs, logger: logger, runner: runner)
        for spec in file.plugins {
            guard spec.enabled else {
                state.withLock { $0.disabled.append(spec) }
                continue
            }
            let taken = state.withLock { state in state.routes.mapValues { $0.plugin.name } }
            do {
                let plugin = try serialized(spec.name) { () throws(PluginLoadError) in
                    try loader.load(spec, takenTaskTypes: taken, stagingDir: stagingDir)
                }
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

    package func route(_ taskType: String) -> Route? { state.withLock { $0.routes[taskType] } }

    /// The current route of a task type, with the job counted on that generation until
    /// `finished(_:)`; a job started after a swap always runs on the new generation.
    func acquire(_ taskType: String) -> Route? {
        state.withLock { state in
            guard let route = state.routes[taskType], route.plugin.beginJob() else { return nil }
            return route
        }
    }

    /// The job of `acquire` ended; the last job of a replaced generation retires it.
    func finished(_ route: Route) {
        if route.plugin.endJob() { finalize(route.plugin) }
    }

    package enum ReloadResult: Sendable {
        case reloaded(LoadedPlugin)
        /// The file has not changed: the running generation stays.
        case unchanged(LoadedPlugin)
        case failed(PluginLoadError)
        case unknown
    }

    /// Loads a new generation of a plugin from `file`'s entry for it and switches its task types
    /// to it at once; the old generation takes no new jobs, finishes its running ones, then gets
    /// `shutdown` (and `dlclose` for C). If the new one fails to load, the old one keeps serving
    /// and the reason is kept for `/plugins`.
    package func reload(_ name: String, from file: PluginsFile) async -> ReloadResult {
        await offPool { self.serialized(name) { self.reloadNow(name, from: file) } }
    }

    /// Runs blocking plugin work on `loads` and waits for it without holding a cooperative thread.
    private func offPool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in loads.submit { continuation.resume(returning: work()) } }
    }

    /// Runs `body` holding the plugin's reload lock (on a `loads` thread: it may wait for another reload).
    private func serialized<T, E: Error>(_ name: String, _ body: () throws(E) -> T) throws(E) -> T {
        let lock = reloadLocks.withLock { locks in
            if let lock = locks[name] { return lock }
            let lock = NSLock()
            locks[name] = lock
            return lock
        }
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// One reload, under the plugin's reload lock.
    private func reloadNow(_ name: String, from file: PluginsFile) -> ReloadResult {
        guard let spec = file.plugins.first(where: { $0.name == name }) else { return .unknown }
        let loader = PluginLoader(pluginDirs: file.pluginDirs, logger: logger, runner: runner)
        let current = state.withLock { $0.loaded.first { $0.spec.name == name } }
        if let current, let path = loader.resolveFile(for: spec), let bytes = FileManager.default.contents(atPath: path),
           FileDigest.sha256Hex(bytes) == current.sha256, spec == current.spec {
            return .unchanged(current)
        }
        let taken = state.withLock { state in
            state.routes.filter { $0.value.plugin.spec.name != name }.mapValues { $0.plugin.name }
        }
        let fresh: LoadedPlugin
        do {
            fresh = try loader.load(spec, takenTaskTypes: taken, stagingDir: stagingDir)
        } catch {
            state.withLock { $0.reloadErrors[name] = error.reason }
            logger.error("plugin.reload.failed", metadata: ["plugin": "\(name)", "error": "\(error.reason)"])
            return .failed(error)
        }
        let (replaced, drained) = state.withLock { state -> (LoadedPlugin?, Bool) in
            // Counted from what is loaded now (under the reload lock, what `current` was).
            let replaced = state.loaded.first { $0.spec.name == name }
            fresh.generation = (replaced?.generation ?? 0) + 1
            state.reloadErrors[name] = nil
            state.refused.removeAll { $0.spec.name == name }
            state.loaded.removeAll { $0.spec.name == name }
            state.loaded.append(fresh)
            state.routes = state.routes.filter { $0.value.plugin.spec.name != name }
            for taskType in fresh.taskTypes { state.routes[taskType.name] = Route(plugin: fresh, taskType: taskType) }
            guard let replaced else { return (nil, false) }
            state.draining.append(replaced)
            return (replaced, replaced.retire())
        }
        logger.info("plugin.reloaded", metadata: [
            "plugin": "\(name)", "plugin.version": "\(fresh.version)", "plugin.generation": "\(fresh.generation)",
            "plugin.sha256": "\(fresh.sha256)",
        ])
        if drained, let replaced { finalize(replaced) }
        return .reloaded(fresh)
    }

    /// What `sync(with:)` did, plugin by plugin.
    package struct SyncReport: Sendable, Equatable {
        package var added: [String] = []
        package var reloaded: [String] = []
        package var removed: [String] = []
        package var failed: [String: String] = [:]
    }

    /// Brings the loaded plugins in line with a re-read plugins.yaml (SIGHUP): new entries load,
    /// changed ones (file or settings) get a new generation, entries gone or disabled are retired
    /// after their running jobs. A failure leaves that plugin as it was.
    package func sync(with file: PluginsFile) async -> SyncReport {
        await offPool { self.syncNow(file) }
    }

    private func syncNow(_ file: PluginsFile) -> SyncReport {
        var report = SyncReport()
        let wanted = Set(file.plugins.filter(\.enabled).map(\.name))
        let loadedNames = state.withLock { $0.loaded.map(\.spec.name) }
        for name in loadedNames where !wanted.contains(name) {
            serialized(name) { remove(name) }
            report.removed.append(name)
        }
        state.withLock { state in
            state.disabled = file.plugins.filter { !$0.enabled }
            state.refused.removeAll { !wanted.contains($0.spec.name) }
        }
        for spec in file.plugins where spec.enabled {
            let isLoaded = loadedNames.contains(spec.name)
            switch serialized(spec.name, { reloadNow(spec.name, from: file) }) {
            case .reloaded: isLoaded ? report.reloaded.append(spec.name) : report.added.append(spec.name)
            case .failed(let error):
                report.failed[spec.name] = error.reason
                if !isLoaded { state.withLock { state in
                    state.refused.removeAll { $0.spec.name == spec.name }
                    state.refused.append(Refusal(spec: spec, error: error))
                } }
            case .unchanged, .unknown: break
            }
        }
        logger.info("plugins.synced", metadata: [
            "plugins.added": "\(report.added)", "plugins.reloaded": "\(report.reloaded)", "plugins.removed": "\(report.removed)",
            "plugins.failed": "\(report.failed.keys.sorted())",
        ])
        return report
    }

    /// Takes a plugin out: its task types route nowhere (new jobs of them fail with a clear
    /// reason), and it is retired once its running jobs finish.
    private func remove(_ name: String) {
        let drained: LoadedPlugin? = state.withLock { state in
            guard let plugin = state.loaded.first(where: { $0.spec.name == name }) else { return nil }
            state.loaded.removeAll { $0 === plugin }
            state.routes = state.routes.filter { $0.value.plugin !== plugin }
            state.draining.append(plugin)
            return plugin.retire() ? plugin : nil
        }
        if let drained { finalize(drained) }
    }

    /// Shuts a drained generation down, off the caller's thread (a plugin's `shutdown` may block).
    private func finalize(_ plugin: LoadedPlugin) {
        let logger = self.logger
        Thread.detachNewThread { [self] in
            plugin.shutdown()
            let unloaded = plugin.unload()
            // Its copy is no longer needed (a newer generation holds its own): swept if nobody else holds it.
            if let staged = plugin.staged, let stagingDir = self.stagingDir {
                StagedPluginFile.sweep(stagingDir, releasing: staged)
            } else {
                plugin.staged?.release()
            }
            state.withLock { state in
                state.draining.removeAll { $0 === plugin }
                if !unloaded { state.leaked[plugin.spec.name, default: 0] += 1 }
            }
            logger.info("plugin.retired", metadata: [
                "plugin": "\(plugin.spec.name)", "plugin.generation": "\(plugin.generation)", "plugin.unloaded": "\(unloaded)",
            ])
        }
    }

    /// Generations of `name` still draining, and how many retired ones stay mapped.
    package func lifecycle(of name: String) -> (draining: Int, leaked: Int, reloadError: String?) {
        state.withLock { state in
            (state.draining.filter { $0.spec.name == name }.count, state.leaked[name] ?? 0, state.reloadErrors[name])
        }
    }
    package var loaded: [LoadedPlugin] { state.withLock { $0.loaded } }
    package var refused: [Refusal] { state.withLock { $0.refused } }
    package var disabled: [PluginSpec] { state.withLock { $0.disabled } }
    package var taskTypeNames: [String] { state.withLock { $0.routes.keys.sorted() } }

    /// Calls every plugin's `shutdown`. Run only once no task is in flight.
    package func shutdownAll() {
        for plugin in loaded { plugin.shutdown() }
    }
}
