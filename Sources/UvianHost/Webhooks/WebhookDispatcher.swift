import Crypto
import Foundation
import GuardedFetch
import JSON
import Logging
import ServiceLifecycle

/// Sends finished tasks' records to `N8N_WEBHOOK_URL` and to each task's `callback_url`: turns
/// the store's notes of finished tasks into deliveries in its outbox, then sends the due ones
/// through the SSRF-guarded fetcher (on threads of its own), signed, and retries a timeout, a
/// connection failure, 408, 429 and 5xx with doubling waits up to `WEBHOOK_MAX_ATTEMPTS` tries.
/// Several workers on one store share the work: a delivery is claimed before it is sent.
final class WebhookDispatcher: Service, Sendable {
    let config: WorkerConfig
    let outbox: any WebhookOutbox
    let store: any TaskStore
    let metrics: WorkerMetrics
    let logger: Logger
    private let fetcher: Fetcher
    private let senders: BlockingExecutor
    private let doorbell = Doorbell()
    /// A claimed try not recorded by then (its worker died mid-try) is tried again: a try's time
    /// limit and a margin.
    var claimLease: Duration { .milliseconds(Int64(config.webhookTimeout * 1000)) + .seconds(15) }
    static let batch = 32

    init(config: WorkerConfig, outbox: any WebhookOutbox, store: any TaskStore, metrics: WorkerMetrics, logger: Logger) {
        self.config = config
        self.outbox = outbox
        self.store = store
        self.metrics = metrics
        self.logger = logger
        var policy = FetchPolicy(allowList: config.fetchAllow)
        // Retries are the outbox's (durable, with their own waits); a redirect is not followed.
        policy.retries = 0
        policy.maxRedirects = 0
        policy.totalTimeout = .milliseconds(Int64(config.webhookTimeout * 1000))
        policy.connectTimeout = policy.totalTimeout
        policy.maxBytes = 64 * 1024
        policy.perHostConcurrency = 8
        fetcher = Fetcher(policy: policy)
        senders = BlockingExecutor(threads: 4, maxThreads: 4, name: "webhook")
    }

    /// How often the outbox is looked at while it has nothing to do: two reads, however many jobs
    /// end meanwhile (waking on every task's end cost a no-op job as much as running it).
    static let pollInterval = Duration.milliseconds(250)

    func run() async throws {
        try await outbox.noteEveryFinishedTask(config.webhookURL != nil)
        await withGracefulShutdownHandler {
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                let busy = await round()
                guard !busy else { continue }
                await doorbell.wait(timeout: Self.pollInterval)
            }
        } onGracefulShutdown: { [doorbell] in
            doorbell.ring()
        }
        senders.shutdown()
    }

    /// Makes deliveries of the notes and sends what is due; true when there may be more at once.
    /// Reads only, unless there is something to do.
    private func round() async -> Bool {
        do {
            let notes = try await outbox.notifications(limit: Self.batch)
            if !notes.isEmpty { try await expand(notes) }
            guard let next = try await outbox.nextDeliveryDue(), next <= Date() else { return notes.count == Self.batch }
            let due = try await outbox.claimDueDeliveries(now: Date(), lease: claimLease, limit: Self.batch)
            await withTaskGroup(of: Void.self) { group in
                for delivery in due { group.addTask { await self.send(delivery) } }
            }
            return notes.count == Self.batch || due.count == Self.batch
        } catch {
            logger.warning("webhook.outbox.failed", metadata: ["error": "\(error)"])
            try? await Task.sleep(for: .seconds(1))
            return false
        }
    }

    /// Each noted task's deliveries: to every URL that applies, the body fixed now.
    private func expand(_ notes: [WebhookNotification]) async throws {
        var deliveries: [WebhookDelivery] = []
        let now = Date()
        for note in notes {
            guard let record = try await store.get(id: note.taskId) else { continue }
            let urls = [config.webhookURL, record.options.callbackURL].compactMap { $0 }
            for url in Array(Set(urls)).sorted() {
                let id = Self.deliveryId(note, url: url)
                let payload = JSONValue.object([
                    "id": .string(id), "type": .string("task.\(note.status)"), "created_at": .string(ISO8601.format(now)), "task": record.json,
                ])
                deliveries.append(WebhookDelivery(id: id, taskId: note.taskId, url: url, event: "task.\(note.status)",
                                                  payload: payload.serialized(), at: now))
            }
        }
        try await outbox.addDeliveries(deliveries, clearing: notes)
    }

    /// The same for every worker that expands the same note: a second one's insert is skipped.
    static func deliveryId(_ note: WebhookNotification, url: String) -> String {
        let digest = SHA256.hash(data: Array("\(note.taskId)|\(note.status)|\(note.at)|\(url)".utf8))
        return "whd_" + FileDigest.hex(digest).prefix(32)
    }

    private func send(_ delivery: WebhookDelivery) async {
        var headers: [(name: String, value: String)] = [
            ("Content-Type", "application/json"), ("X-Uvian-Delivery", delivery.id), ("Idempotency-Key", delivery.id),
            ("X-Uvian-Event", delivery.event),
        ]
        if let secret = config.webhookSecret {
            headers.append(("X-Uvian-Signature", WebhookSignature.header(body: delivery.payload, secret: secret, at: Date())))
        }
        let request = FetchRequest(url: delivery.url, method: "POST", headers: headers, body: Array(delivery.payload.utf8))
        let fetcher = self.fetcher
        let result: Result<FetchResponse, FetchError> = await withCheckedContinuation { continuation in
            senders.submit {
                do throws(FetchError) {
                    continuation.resume(returning: .success(try fetcher.fetch(request)))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        let attempt = outcome(of: result, tries: delivery.attempts)
        let outcome: String
        switch attempt {
        case .delivered: outcome = "delivered"
        case .retry: outcome = "retried"
        case .failed(let status, let error):
            outcome = "failed"
            logger.warning("webhook.delivery.failed", metadata: [
                "webhook.id": "\(delivery.id)", "task.id": "\(delivery.taskId)", "webhook.status": "\(status.map(String.init) ?? "-")", "error": "\(error)",
            ])
        }
        metrics.webhookAttempt(outcome)
        do {
            try await outbox.recordAttempt(id: delivery.id, attempt)
        } catch {
            // Claimed until the lease ends: then it is tried again.
            logger.warning("webhook.outbox.failed", metadata: ["error": "\(error)"])
        }
    }

    /// 2xx delivered; 408, 429, 5xx, a timeout or a failed connection tried again while tries
    /// remain; anything else (another status, a refused address, a redirect) given up at once.
    private func outcome(of result: Result<FetchResponse, FetchError>, tries: Int) -> WebhookAttempt {
        let status: Int?
        let error: String
        let retryable: Bool
        switch result {
        case .success(let response) where (200..<300).contains(response.status):
            return .delivered(status: response.status)
        case .success(let response):
            status = response.status
            error = "HTTP \(response.status)"
            retryable = response.status == 408 || response.status == 429 || response.status >= 500
        case .failure(let failure):
            status = failure.status
            error = failure.description
            retryable = failure.code == .timeout || failure.code == .connectionFailed
        }
        guard retryable, tries < config.webhookMaxAttempts else {
            return .failed(status: status, error: tries >= config.webhookMaxAttempts && retryable ? "\(error) (after \(tries) tries)" : error)
        }
        let wait = min(Double(config.webhookRetryBaseMs) / 1000 * pow(2, Double(tries - 1)), 3600) * Double.random(in: 0.9...1.1)
        return .retry(at: Date().addingTimeInterval(wait), status: status, error: error)
    }
}
