package import Foundation
package import Logging
import ServiceLifecycle

/// Deletes finished tasks older than `TASK_RETENTION` every `CLEANUP_INTERVAL` seconds, in
/// bounded batches so one run never holds a long lock on a busy table.
package struct StoreCleanup: Service {
    let store: any TaskStore
    let interval: Double
    let retention: Double
    let batchSize: Int
    let logger: Logger

    package init(store: any TaskStore, config: WorkerConfig, batchSize: Int = 1000, logger: Logger) {
        self.store = store
        interval = config.cleanupInterval
        retention = config.taskRetention
        self.batchSize = batchSize
        self.logger = logger
    }

    package func run() async throws {
        // Nothing to do ("never"): wait for the shutdown rather than return, which would end the
        // whole service group (the HTTP API with it) at start-up.
        guard interval > 0 else { return try await gracefulShutdown() }
        while true {
            do {
                // Ends at once on graceful shutdown.
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(interval)) }
            } catch {
                return
            }
            await runOnce()
        }
    }

    /// One pass: batches until fewer than a batch are left. Returns how many tasks were deleted.
    @discardableResult
    package func runOnce(now: Date = Date()) async -> Int {
        let cutoff = now.addingTimeInterval(-retention)
        var total = 0
        do {
            while true {
                let deleted = try await store.deleteFinishedTasks(before: cutoff, limit: batchSize)
                total += deleted
                if deleted < batchSize { break }
                await Task.yield()
            }
            if total > 0 { logger.info("store.cleanup", metadata: ["store.deleted": "\(total)"]) }
        } catch {
            logger.warning("store.cleanup.failed", metadata: ["error": "\(error)"])
        }
        return total
    }
}
