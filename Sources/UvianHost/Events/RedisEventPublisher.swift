package import Logging
import ServiceLifecycle
import Synchronization

/// Publishes every task event as JSON on a Redis pub/sub channel (`EVENTS_CHANNEL`), the path by
/// which an API relays worker events to WebSocket clients. Events go out in the order they
/// happened; a Redis outage drops events (pub/sub has no memory) but is logged.
///
/// Each event is handed to the command connection as it is published, without waiting for its
/// reply, so the PUBLISHes of many jobs share the connection's pipelines instead of costing a
/// round trip each. At most `maxInFlight` wait for Redis; past that (Redis stalled or gone) new
/// events are dropped and counted, so a dead Redis cannot grow the worker's memory.
package struct RedisEventPublisher: Service {
    let events: EventBus
    let queue: RedisJobQueue
    let channel: String
    let logger: Logger
    let maxInFlight: Int

    package init(events: EventBus, queue: RedisJobQueue, channel: String, logger: Logger, maxInFlight: Int = 10_000) {
        self.events = events
        self.queue = queue
        self.channel = channel
        self.logger = logger
        self.maxInFlight = maxInFlight
    }

    package func run() async throws {
        let counters = Counters()
        let (channel, queue, logger, maxInFlight) = (self.channel, self.queue, self.logger, self.maxInFlight)
        let observer = events.observe { event in
            guard counters.inFlight.add(1, ordering: .relaxed).newValue <= maxInFlight else {
                counters.inFlight.subtract(1, ordering: .relaxed)
                counters.dropped(logger, reason: "too many events waiting for Redis")
                return
            }
            queue.publish(channel: channel, message: event.serializedJSON) { error in
                counters.inFlight.subtract(1, ordering: .relaxed)
                if let error { counters.dropped(logger, reason: "\(error)") } else { counters.failures.store(0, ordering: .relaxed) }
            }
        }
        // Runs until shutdown; events published until then have been handed over.
        try? await gracefulShutdown()
        events.stopObserving(observer)
    }

    private final class Counters: Sendable {
        let inFlight = Atomic<Int>(0)
        let failures = Atomic<Int>(0)

        /// Logs the first drop of a run of failures, then every thousandth.
        func dropped(_ logger: Logger, reason: String) {
            let count = failures.add(1, ordering: .relaxed).newValue
            if count == 1 || count % 1000 == 0 {
                logger.warning("events.publish.failed", metadata: ["error": "\(reason)", "events.dropped": "\(count)"])
            }
        }
    }
}
