import Foundation
package import Prometheus
import Synchronization

/// The worker's Prometheus metrics (`GET /metrics`), in a registry of its own: what happened to
/// jobs and requests, counted as it happens; what the queue, plugins and process hold, read when
/// scraped (`MetricsScrape`). Label values are bounded: queue, task type (at most
/// `maxTaskTypes`, the rest "other"), status, route template; never an id.
package final class WorkerMetrics: Sendable {
    package let registry = PrometheusCollectorRegistry()
    let queue: String
    /// One task type's series, made on its first job (a registry lookup under its lock each time
    /// would cost the job path more than the counting itself).
    private let types = Mutex<[String: TypeSeries]>([:])
    private let requests = Mutex<[RequestKey: RequestSeries]>([:])
    let stalledRecoveries: Counter
    /// The queue's totals at the last scrape (`MetricsScrape` adds what grew since).
    let lastTotals = Mutex(QueueStatistics())
    let storeErrors: Counter

    /// Beyond this many task types (producers on Redis may name any), the rest are "other".
    static let maxTaskTypes = 200
    static let jobBuckets: [Duration] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600]
        .map { Duration.milliseconds(Int64($0 * 1000)) }
    static let requestBuckets: [Duration] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
        .map { Duration.microseconds(Int64($0 * 1_000_000)) }

    private struct TypeSeries {
        let ended: [String: Counter]
        let duration: DurationHistogram
        let wait: DurationHistogram
    }

    private struct RequestKey: Hashable {
        let route: String
        let method: String
        let status: Int
    }

    private struct RequestSeries {
        let count: Counter
        let duration: DurationHistogram
    }

    /// How a run ended, as `uvian_jobs_total`'s `status` says it.
    package static let endings = ["completed", "failed", "cancelled", "retried"]

    package init(queue: String) {
        self.queue = queue
        stalledRecoveries = registry.makeCounter(
            descriptor: Self.descriptor("uvian_stalled_recoveries_total",
                                        "Jobs taken back from a worker that lost them (its lease ran out: BullMQ's stalled jobs)"),
            labels: [("queue", queue)])
        storeErrors = registry.makeCounter(
            descriptor: Self.descriptor("uvian_store_errors_total", "Task store writes that failed (each is retried until it lands)"),
            labels: [("queue", queue)])
    }

    // MARK: Jobs

    /// A run ended: `status` one of `endings`; its time running, from `startedAt`.
    func jobEnded(taskType: String, status: String, startedAt: Date?, at end: Date = Date()) {
        let series = self.series(taskType)
        series.ended[status]?.increment()
        if let startedAt { series.duration.record(Self.duration(end.timeIntervalSince(startedAt))) }
    }

    /// A run started: its first run's wait since the job was added; a run of a job another worker
    /// lost (the embedded queue's expired lease) counts as a stalled recovery.
    func jobStarted(_ job: LeasedJob, at date: Date) {
        if job.leaseTakenOver { stalledRecoveries.increment() }
        guard job.attempt == 1, let createdAt = job.createdAt else { return }
        series(job.taskType).wait.record(Self.duration(date.timeIntervalSince(createdAt)))
    }

    private func series(_ taskType: String) -> TypeSeries {
        types.withLock { types in
            if let known = types[taskType] { return known }
            let label = types.count < Self.maxTaskTypes ? taskType : "other"
            if let other = types[label] { return other }
            let labels = [("queue", queue), ("task_type", label)]
            let made = TypeSeries(
                ended: Dictionary(uniqueKeysWithValues: Self.endings.map { status in
                    (status, counter("uvian_jobs_total", labels: labels + [("status", status)],
                                                  help: "Job runs that ended, by how: completed, failed (for good), cancelled, retried (failed, to run again)"))
                }),
                duration: histogram("uvian_job_duration_seconds", labels: labels, buckets: Self.jobBuckets,
                                                         help: "Time a run spent from its start to its end (any ending)"),
                wait: histogram("uvian_job_wait_seconds", labels: labels, buckets: Self.jobBuckets,
                                                     help: "Time from a job's adding (its delay included) to the start of its first run"))
            types[label] = made
            return made
        }
    }

    // MARK: Webhooks

    /// A webhook try ended: delivered, retried or failed (given up).
    func webhookAttempt(_ outcome: String) {
        counter("uvian_webhook_deliveries_total", labels: [("queue", queue), ("outcome", outcome)],
                help: "Webhook tries by outcome: delivered, retried (to be tried again), failed (given up)").increment()
    }

    // MARK: HTTP

    /// A request answered: `route` is the matched route's template ("unmatched" for none).
    func requestServed(route: String, method: String, status: Int, seconds: TimeInterval) {
        let key = RequestKey(route: route, method: method, status: status)
        let series = requests.withLock { requests in
            if let known = requests[key] { return known }
            let made = RequestSeries(
                count: counter("uvian_http_requests_total", labels: [("route", route), ("method", method), ("status", String(status))],
                                            help: "HTTP requests answered, by route template, method and status"),
                duration: histogram("uvian_http_request_duration_seconds", labels: [("route", route), ("method", method)],
                                                         buckets: Self.requestBuckets, help: "Time to answer an HTTP request (to its headers; a stream's body is not timed)"))
            requests[key] = made
            return made
        }
        series.count.increment()
        series.duration.record(Self.duration(seconds))
    }

    // MARK: The registry's series, by name, labels and help

    func counter(_ name: String, labels: [(String, String)] = [], help: String) -> Counter {
        registry.makeCounter(descriptor: Self.descriptor(name, help), labels: labels)
    }

    func gauge(_ name: String, labels: [(String, String)] = [], help: String) -> Gauge {
        registry.makeGauge(descriptor: Self.descriptor(name, help), labels: labels)
    }

    func histogram(_ name: String, labels: [(String, String)], buckets: [Duration], help: String) -> DurationHistogram {
        registry.makeDurationHistogram(descriptor: Self.descriptor(name, help), labels: labels, buckets: buckets)
    }

    /// The whole name as the metric's name (its unit already in it).
    private static func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    static func duration(_ seconds: TimeInterval) -> Duration {
        .nanoseconds(Int64(max(0, min(seconds, 1e9)) * 1e9))
    }
}
