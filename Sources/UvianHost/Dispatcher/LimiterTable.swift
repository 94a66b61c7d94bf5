import Synchronization

/// The `max_concurrency` limiters of plugins and task types, made on first use by name and limit,
/// so a plugin added or reloaded with another limit gets its own (jobs already running keep the
/// old one).
final class LimiterTable: Sendable {
    private let table = Mutex<[String: AsyncLimiter]>([:])

    /// The limits a job of this route takes, task type first (a fixed order, so two jobs can
    /// never each hold what the other waits for).
    func limiters(for route: PluginRegistry.Route) -> [AsyncLimiter] {
        let wanted = [
            route.taskType.maxConcurrency.map { ("type:\(route.taskType.name):\($0)", $0) },
            route.plugin.spec.concurrencyLimit.map { ("plugin:\(route.plugin.spec.name):\($0)", $0) },
        ].compactMap { $0 }
        guard !wanted.isEmpty else { return [] }
        return table.withLock { table in
            wanted.map { key, limit in
                if let limiter = table[key] { return limiter }
                let limiter = AsyncLimiter(limit: limit)
                table[key] = limiter
                return limiter
            }
        }
    }

    /// Task types whose plugin or own limit is reached: queues that can skip them do.
    func fullTaskTypes(of registry: PluginRegistry) -> Set<String> {
        var full = Set<String>()
        for name in registry.taskTypeNames {
            guard let route = registry.route(name) else { continue }
            if !limiters(for: route).allSatisfy(\.hasCapacity) { full.insert(name) }
        }
        return full
    }

    /// Takes a run that waits for its limits out of their lines (cancelled, or its lease lost),
    /// or turns it away when it comes to wait.
    func withdraw(_ run: LeasedJob.RunKey, taskType: String, registry: PluginRegistry) {
        guard let route = registry.route(taskType) else { return }
        for limiter in limiters(for: route) { _ = limiter.withdraw(Self.waiter(run)) }
    }

    /// A run's name in the limiters' lines: a job leased again is another run.
    static func waiter(_ run: LeasedJob.RunKey) -> String { run.id + "#" + run.token }
}
