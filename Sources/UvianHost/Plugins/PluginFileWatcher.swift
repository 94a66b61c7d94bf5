import Foundation
import Logging
import ServiceLifecycle

/// Reloads plugins marked `watch: true` when their file changes: it looks at each file's size and
/// modification time every `interval`, and reloads (which compares the sha256) on a change. A
/// deploy that writes the new file and renames it over the old one is picked up whole.
struct PluginFileWatcher: Service {
    let registry: PluginRegistry
    let path: String
    let interval: Duration
    let logger: Logger

    func run() async throws {
        var seen: [String: String] = [:]
        while true {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            guard let file = try? PluginsFile.load(path: path) else { continue }
            let loader = PluginLoader(pluginDirs: file.pluginDirs, logger: logger)
            for spec in file.plugins where spec.watch && spec.enabled {
                guard let plugin = loader.resolveFile(for: spec),
                      let attributes = try? FileManager.default.attributesOfItem(atPath: plugin) else { continue }
                let stamp = "\(plugin)|\(attributes[.size] ?? 0)|\((attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)"
                defer { seen[spec.name] = stamp }
                // The first look only records the file; a change after that reloads.
                guard let previous = seen[spec.name] else {
                    logger.debug("plugin.watch.watching", metadata: ["plugin": "\(spec.name)", "plugin.file": "\(plugin)"])
                    continue
                }
                guard previous != stamp else { continue }
                switch await registry.reload(spec.name, from: file) {
                case .reloaded(let fresh):
                    logger.info("plugin.watch.reloaded", metadata: ["plugin": "\(spec.name)", "plugin.generation": "\(fresh.generation)"])
                case .failed(let error):
                    logger.error("plugin.watch.failed", metadata: ["plugin": "\(spec.name)", "error": "\(error.reason)"])
                case .unchanged, .unknown:
                    break
                }
            }
        }
    }
}
