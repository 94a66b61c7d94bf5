import Logging
import ServiceLifecycle

/// Keeps the embedded store's search index close to its writes: every second it indexes what
/// changed (a search also catches the index up first, so none ever misses a write).
struct SearchIndexing: Service {
    let store: any TaskStore
    let logger: Logger
    static let interval = Duration.seconds(1)

    func run() async throws {
        while true {
            do {
                // Ends at once on graceful shutdown.
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: Self.interval) }
            } catch {
                return
            }
            do {
                try await store.indexForSearch()
            } catch {
                logger.warning("store.search_index.failed", metadata: ["error": "\(error)"])
            }
        }
    }
}
