import Synchronization

/// In-process fan-out of task events to subscribers (SSE clients, `?wait=`, the Redis publisher).
///
/// `publish` is synchronous and hands the event to every subscriber under one lock, so each
/// subscriber sees events in publish order. Stream subscribers drop their oldest buffered events
/// when slow rather than grow without bound; observers are called inline and must not block.
package final class EventBus: Sendable {
    private struct Subscriber {
        let filter: @Sendable (TaskEvent) -> Bool
        let deliver: @Sendable (TaskEvent) -> Void
    }
    private let subscribers = Mutex<[UInt64: Subscriber]>([:])
    private let nextId = Atomic<UInt64>(0)

    package init() {}

    package func publish(_ event: TaskEvent) {
        subscribers.withLock { subscribers in
            for subscriber in subscribers.values where subscriber.filter(event) {
                subscriber.deliver(event)
            }
        }
    }

    /// A stream of the events matching `filter`, from now on. Ends when the consumer stops.
    package func subscribe(buffer: Int = 1024, filter: @escaping @Sendable (TaskEvent) -> Bool = { _ in true }) -> AsyncStream<TaskEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: TaskEvent.self, bufferingPolicy: .bufferingNewest(buffer))
        let id = add(Subscriber(filter: filter, deliver: { continuation.yield($0) }))
        continuation.onTermination = { [weak self] _ in self?.remove(id) }
        return stream
    }

    /// Calls `handler` with every event, inline in `publish` (in order, without a task hop per
    /// event), until `stopObserving` with the returned id. The handler must not block.
    package func observe(_ handler: @escaping @Sendable (TaskEvent) -> Void) -> UInt64 {
        add(Subscriber(filter: { _ in true }, deliver: handler))
    }

    package func stopObserving(_ id: UInt64) {
        remove(id)
    }

    private func add(_ subscriber: Subscriber) -> UInt64 {
        let id = nextId.add(1, ordering: .relaxed).newValue
        subscribers.withLock { $0[id] = subscriber }
        return id
    }

    private func remove(_ id: UInt64) {
        _ = subscribers.withLock { $0.removeValue(forKey: id) }
    }
}
