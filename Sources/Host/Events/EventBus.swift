import Synchronization

/// In-process fan-out of task events to subscribers (SSE clients, `?wait=`).
///
/// `publish` is synchronous and yields to every subscriber under one lock, so each subscriber sees
/// events in publish order. Slow subscribers drop their oldest buffered events rather than grow
/// without bound.
public final class EventBus: Sendable {
    private struct Subscriber {
        let filter: @Sendable (TaskEvent) -> Bool
        let continuation: AsyncStream<TaskEvent>.Continuation
    }
    private let subscribers = Mutex<[UInt64: Subscriber]>([:])
    private let nextId = Atomic<UInt64>(0)

    public init() {}

    public func publish(_ event: TaskEvent) {
        subscribers.withLock { subscribers in
            for subscriber in subscribers.values where subscriber.filter(event) {
                subscriber.continuation.yield(event)
            }
        }
    }

    /// A stream of the events matching `filter`, from now on. Ends when the consumer stops.
    public func subscribe(buffer: Int = 1024, filter: @escaping @Sendable (TaskEvent) -> Bool = { _ in true }) -> AsyncStream<TaskEvent> {
        let id = nextId.add(1, ordering: .relaxed).newValue
        let (stream, continuation) = AsyncStream.makeStream(of: TaskEvent.self, bufferingPolicy: .bufferingNewest(buffer))
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
        subscribers.withLock { $0[id] = Subscriber(filter: filter, continuation: continuation) }
        return stream
    }
}
