import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOHTTP1

/// Hummingbird's HTTP/1.1 channel with the WebSocket upgrade, and `ConnectionGuard`'s two
/// handlers around its HTTP decoder: malformed requests are answered and closed, slow or idle
/// connections are timed out.
struct GuardedHTTPChannel: ServerChildChannel {
    struct Value: ServerChildChannelValue {
        let inner: HTTP1WebSocketUpgradeChannel.Value
        let refusal: ConnectionRefusal
        var channel: any Channel { inner.channel }
    }

    let inner: HTTP1WebSocketUpgradeChannel
    let limits: ConnectionLimits

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            let refusal = ConnectionRefusal()
            let watch = ConnectionWatch(limits: limits, refusal: refusal)
            let requests = RequestGuard(watch: watch)
            let bytes = RequestBytesWatcher(watch: watch, requests: requests)
            try pipeline.addHandler(bytes, position: .before(decoder))
            try pipeline.addHandler(requests, position: .after(decoder))
            return Value(inner: value, refusal: refusal)
        }
    }

    func handle(value: Value, logger: Logger) async {
        // A refused request ends the upgrade negotiation before it began, which Hummingbird
        // reports as an error: that one is expected, and logged at debug.
        var quiet = logger
        quiet.handler = RefusalAwareLogHandler(wrapped: logger.handler, refusal: value.refusal)
        await inner.handle(value: value.inner, logger: quiet)
        // Whatever ended the exchange (a refused request ends it before Hummingbird sees a head),
        // the connection does not outlive it.
        try? await value.channel.close()
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 with the WebSocket upgrade of `webSocketRouter`, under `limits`.
    static func guardedHTTP1WebSocketUpgrade<WSResponderBuilder: HTTPResponderBuilder & _HB_SendableMetatype>(
        webSocketRouter: WSResponderBuilder, limits: ConnectionLimits
    ) -> HTTPServerBuilder where WSResponderBuilder.Responder.Context: WebSocketRequestContext {
        let webSocketResponder = webSocketRouter.buildResponder()
        return .init { responder in
            GuardedHTTPChannel(
                inner: HTTP1WebSocketUpgradeChannel(responder: responder, webSocketResponder: webSocketResponder, configuration: .init()),
                limits: limits)
        }
    }
}

/// Passes log lines on, but lowers errors about a connection the guard refused to debug.
struct RefusalAwareLogHandler: LogHandler {
    var wrapped: any LogHandler
    let refusal: ConnectionRefusal

    var metadata: Logger.Metadata {
        get { wrapped.metadata }
        set { wrapped.metadata = newValue }
    }

    var logLevel: Logger.Level {
        get { wrapped.logLevel }
        set { wrapped.logLevel = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { wrapped[metadataKey: key] }
        set { wrapped[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        var event = event
        if refusal.refused && event.level > .debug {
            guard wrapped.logLevel <= .debug else { return }
            event.level = .debug
        }
        wrapped.log(event: event)
    }
}
