import Logging
import ServiceLifecycle
import UnixSignals

/// Re-reads plugins.yaml on SIGHUP and brings the loaded plugins in line with it (added, removed
/// and changed plugins), as nginx and most daemons do with their configuration.
struct PluginReloadOnSignal: Service {
    let registry: PluginRegistry
    let path: String
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            do {
                _ = await registry.sync(with: try PluginsFile.load(path: path))
            } catch {
                // A broken file changes nothing: the running plugins stay as they are.
                logger.error("plugins.reload.failed", metadata: ["error": "\(error)"])
            }
        }
    }
}
