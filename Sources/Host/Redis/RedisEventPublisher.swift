import Logging
import ServiceLifecycle

/// Publishes every task event as JSON on a Redis pub/sub channel (`EVENTS_CHANNEL`), the path by
/// which an API relays worker events to WebSocket clients. Events go out in the order they
/// happened; a Redis outage drops events (pub/sub has no memory) but is logged.
public struct RedisEventPublisher: Service {
    let events: EventBus
    let queue: RedisJobQueue
    let channel: String
    let logger: Logger

    public init(events: EventBus, queue: RedisJobQueue, channel: String, logger: Logger) {
        self.events = events
        self.queue = queue
        self.channel = channel
        self.logger = logger
    }

    public func run() async throws {
        var failures = 0
        for await event in events.subscribe(buffer: 10_000).cancelOnGracefulShutdown() {
            do {
                try await queue.publish(channel: channel, message: event.json.serialized())
                failures = 0
            } catch {
                failures += 1
                if failures == 1 || failures % 1000 == 0 {
                    logger.warning("events.publish.failed", metadata: ["error": "\(error)", "events.dropped": "\(failures)"])
                }
            }
        }
    }
}
