import Foundation
import JSON
import Prometheus
import Synchronization

/// What `GET /metrics` reads at the moment it is scraped, set into the worker's registry before
/// it is written out: the queue's jobs by state, slots, plugins, the backends' connection
/// counts and the process.
extension WorkerMetrics {
    /// The registry in Prometheus's text format, its gauges read from `worker` first.
    func scrape(_ worker: Worker) async -> String {
        await collectQueue(worker)
        collectPlugins(worker.registry)
        collectTotals(worker.queue.statistics, redis: worker.queue.kind == "redis")
        collectProcess()
        gauge("uvian_running_jobs", labels: [("queue", queue)], help: "Jobs this worker runs now")
            .set(to: Double(worker.activeCount))
        gauge("uvian_job_slots", labels: [("queue", queue)], help: "Jobs this worker may run at once (MAX_CONCURRENT_TASKS)")
            .set(to: Double(worker.config.maxConcurrentTasks))
        return registry.emitToString()
    }

    private func collectQueue(_ worker: Worker) async {
        let up = gauge("uvian_queue_up", labels: [("queue", queue)],
                                    help: "1 when the queue's backend answered this scrape, 0 when it did not")
        guard let overview = try? await worker.queue.overview() else { return up.set(to: 0) }
        up.set(to: 1)
        for (state, count) in overview.counts {
            gauge("uvian_queue_jobs", labels: [("queue", queue), ("state", state)],
                               help: "Jobs in the queue by state, as BullMQ's getJobCounts names them").set(to: Double(count))
        }
        gauge("uvian_queue_paused", labels: [("queue", queue)], help: "1 while the queue is paused").set(to: overview.paused ? 1 : 0)
        let age = overview.oldestWaiting.map { max(0, Date().timeIntervalSince($0.since)) } ?? 0
        gauge("uvian_queue_oldest_waiting_seconds", labels: [("queue", queue)],
                           help: "How long the job that has waited longest to run has waited (0: none waits)").set(to: age)
    }

    private func collectPlugins(_ plugins: PluginRegistry) {
        for entry in PluginListing.entries(plugins) {
            guard let name = entry["name"]?.stringValue else { continue }
            let labels = [("plugin", name)]
            let loaded = entry["state"]?.stringValue == "loaded"
            gauge("uvian_plugin_loaded", labels: labels, help: "1 when the plugin serves its task types, 0 when it was refused or is disabled")
                .set(to: loaded ? 1 : 0)
            guard loaded else { continue }
            let gauges: [(String, String, Double?)] = [
                ("uvian_plugin_generation", "The plugin's generation: 1 at start, one more at each hot swap", entry["generation"]?.doubleValue),
                ("uvian_plugin_in_flight", "Jobs the plugin's current generation runs now", entry["in_flight"]?.doubleValue),
                ("uvian_plugin_draining_generations", "Earlier generations still finishing jobs", entry["draining"]?.doubleValue),
                ("uvian_plugin_leaked_generations", "Earlier generations whose jobs never ended (not unloaded)", entry["leaked"]?.doubleValue),
                ("uvian_plugin_processes", "Live plugin-runner processes (isolation: process)", entry["processes"]?["pids"]?.arrayValue.map { Double($0.count) }),
                ("uvian_plugin_process_deaths", "Plugin-runner processes of the current generation that died (crashed, killed, over a limit)",
                 entry["processes"]?["died"]?.doubleValue),
            ]
            for (name, help, value) in gauges {
                if let value { gauge(name, labels: labels, help: help).set(to: value) }
            }
        }
    }

    /// Totals the queue keeps, added to counters by what grew since the last scrape.
    private func collectTotals(_ statistics: QueueStatistics, redis: Bool) {
        let grown = lastTotals.withLock { last in
            defer { last = statistics }
            return (statistics.stalledRecoveries - last.stalledRecoveries, statistics.connectionErrors - last.connectionErrors,
                    statistics.reconnects - last.reconnects)
        }
        if grown.0 > 0 { stalledRecoveries.increment(by: Int64(grown.0)) }
        guard redis else { return }
        counter("uvian_redis_errors_total", labels: [("queue", queue)], help: "Redis connections lost or refused")
            .increment(by: Int64(grown.1))
        counter("uvian_redis_reconnects_total", labels: [("queue", queue)], help: "Redis connections made again after a loss")
            .increment(by: Int64(grown.2))
    }

    private func collectProcess() {
        guard let process = ProcessMetrics.read() else { return }
        let cpu = counter("process_cpu_seconds_total", help: "Total user and system CPU time spent in seconds.")
        cpu.reset()
        cpu.increment(by: process.cpuSeconds)
        gauge("process_resident_memory_bytes", help: "Resident memory size in bytes.").set(to: process.residentBytes)
        gauge("process_virtual_memory_bytes", help: "Virtual memory size in bytes.").set(to: process.virtualBytes)
        gauge("process_open_fds", help: "Number of open file descriptors.").set(to: process.openFDs)
        gauge("process_max_fds", help: "Maximum number of open file descriptors.").set(to: process.maxFDs)
        gauge("process_start_time_seconds", help: "Start time of the process since unix epoch in seconds.").set(to: process.startTime)
    }
}
