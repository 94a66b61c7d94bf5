import Logging
import ServiceLifecycle

/// Brings the embedded store's search index up to date, the way PostgreSQL's GIN index empties
/// its pending list: the tasks written meanwhile wait while writes keep coming, and enter the
/// index once writes pause, once `backlogLimit` of them wait (which bounds how long a search
/// catches up first: a search never misses a write), or after `maximumWait`. A batch every
/// second, row by row, slowed the Redis drain to 0.83× (BENCHMARKS.md, "Operating it").
package struct SearchIndexing: Service {
    let store: any TaskStore
    let logger: Logger
    static let interval = Duration.seconds(1)
    package static let backlogLimit = 10_000
    package static let maximumWait = Duration.seconds(60)

    /// What one look at the backlog decides.
    package struct Policy {
        private var lastBacklog = 0
        private var waited = Duration.zero

        package init() {}

        /// True when the backlog should be indexed now: `backlog` tasks wait, `elapsed` after
        /// the last look.
        package mutating func due(backlog: Int, elapsed: Duration) -> Bool {
            defer { lastBacklog = backlog }
            guard backlog > 0 else {
                waited = .zero
                return false
            }
            waited += elapsed
            let quiet = backlog <= lastBacklog
            guard quiet || backlog >= SearchIndexing.backlogLimit || waited >= SearchIndexing.maximumWait else { return false }
            waited = .zero
            return true
        }

        /// After indexing: nothing waits.
        package mutating func indexed() { lastBacklog = 0 }
    }

    func run() async throws {
        var policy = Policy()
        while true {
            do {
                // Ends at once on graceful shutdown.
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: Self.interval) }
            } catch {
                return
            }
            do {
                guard policy.due(backlog: try await store.searchBacklog(), elapsed: Self.interval) else { continue }
                try await store.indexForSearch()
                policy.indexed()
            } catch {
                logger.warning("store.search_index.failed", metadata: ["error": "\(error)"])
            }
        }
    }
}
