import Hummingbird
import HummingbirdWebSocket

/// `GET /events/ws`: the event stream over a WebSocket, one JSON text message per event (the
/// same objects as `/events` sends), with the same filters: `task_id`, `task_type`,
/// `conversation_id`. What the client sends is ignored; it closes the socket to stop.
struct EventSocketRoutes: Sendable {
    let events: EventBus

    func register(on router: Router<BasicWebSocketRequestContext>) {
        router.ws("/events/ws") { inbound, outbound, context in
            let query = context.request.uri.queryParameters
            let (taskId, taskType, conversationId) = (query.get("task_id"), query.get("task_type"), query.get("conversation_id"))
            let stream = events.subscribe { event in
                event.matches(taskId: taskId, taskType: taskType, conversationId: conversationId)
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                // Ends when the client closes (or the server shuts down).
                group.addTask { for try await _ in inbound {} }
                group.addTask {
                    for await event in stream.cancelOnGracefulShutdown() {
                        try await outbound.write(.text(event.serializedJSON))
                    }
                }
                try await group.next()
                group.cancelAll()
            }
        }
    }
}
