import Hummingbird
import JSON
import NIOCore
import NIOHTTP1
import Synchronization

/// The limits an HTTP connection is held to, from `HTTP_HEADER_TIMEOUT`, `HTTP_IDLE_TIMEOUT`
/// and the largest body the API accepts.
struct ConnectionLimits: Sendable {
    /// From a request's first byte to its complete head (a client sending its headers slowly,
    /// slowloris, is cut off then with a 408).
    var headerTimeout: TimeAmount
    /// A connection with no request in progress and no byte arriving is closed after this.
    var idleTimeout: TimeAmount
    /// A request announcing a larger body is answered 413 at once, without reading it.
    var maxBodyBytes: Int
    /// After an error answer, how long what the client still sends is read (and dropped) before
    /// the connection closes: closing with unread input would reset it, and the client would
    /// lose the answer.
    var linger: TimeAmount = .seconds(2)
}

/// Set when the guard refused a connection's request: Hummingbird's handling of that
/// connection then fails as expected, which is not worth an error in the log.
final class ConnectionRefusal: Sendable {
    private let flag = Atomic<Bool>(false)
    var refused: Bool { flag.load(ordering: .relaxed) }
    func set() { flag.store(true, ordering: .relaxed) }
}

/// What the two handlers of one connection know together: whether a request is in progress,
/// which timer runs, and whether the connection is to be closed. Touched on its event loop only.
final class ConnectionWatch {
    let limits: ConnectionLimits
    let refusal: ConnectionRefusal
    /// Request heads received whose response has not ended.
    var inFlight = 0
    /// Bytes of a next request arrived since the last head (its header timer runs).
    var readingHead = false
    /// The current request's response has started: an error can no longer be answered, only closed.
    var responseStarted = false
    /// Close once the response being written ends (the request or the response said
    /// `Connection: close`).
    var closeAfterResponse = false
    /// An error answer was sent: what else arrives is dropped until the connection is closed.
    var rejecting = false
    /// Upgraded to a WebSocket: no longer HTTP; both handlers pass everything on untouched.
    var upgraded = false
    private var timer: Scheduled<Void>?

    init(limits: ConnectionLimits, refusal: ConnectionRefusal) {
        self.limits = limits
        self.refusal = refusal
    }

    enum Wait { case header, idle }

    /// Starts the timer of `wait`, replacing the one that ran.
    func arm(_ wait: Wait, on context: ChannelHandlerContext, expired: @escaping (Wait) -> Void) {
        timer?.cancel()
        let delay = wait == .header ? limits.headerTimeout : limits.idleTimeout
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: delay) { expired(wait) }
    }

    func disarm() {
        timer?.cancel()
        timer = nil
    }
}

/// Before the HTTP decoder: the first byte of a request starts its header timer, and a request
/// line that names no HTTP/1.x version (HTTP/0.9's `GET /path`, which the decoder would wait on
/// forever) is refused at once.
final class RequestBytesWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    let watch: ConnectionWatch
    private weak var requests: RequestGuard?
    /// The request line's last bytes, until its end is seen (then nil until the next request).
    private var lineTail: [UInt8]?

    init(watch: ConnectionWatch, requests: RequestGuard) {
        self.watch = watch
        self.requests = requests
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if watch.upgraded { return context.fireChannelRead(data) }
        // Refused: what still arrives is read and dropped while the answer goes out.
        if watch.rejecting { return }
        if watch.inFlight == 0 && !watch.readingHead {
            watch.readingHead = true
            lineTail = []
            if let requests { watch.arm(.header, on: context, expired: requests.expired) }
        }
        if lineTail != nil, !checkRequestLine(unwrapInboundIn(data)) {
            requests?.refuse(.badRequest, "bad_request", "the request line names no HTTP/1.x version (HTTP/0.9 is not served)")
            return
        }
        context.fireChannelRead(data)
    }

    /// Follows the request line to its end; false when it ended without an HTTP/1.x version.
    private func checkRequestLine(_ buffer: ByteBuffer) -> Bool {
        for byte in buffer.readableBytesView {
            guard var tail = lineTail else { return true }
            if byte == UInt8(ascii: "\n") {
                if tail.last == UInt8(ascii: "\r") { tail.removeLast() }
                // Empty lines before a request are allowed (RFC 9112 §2.2).
                if tail.isEmpty { continue }
                lineTail = nil
                let version = Array(" HTTP/1.".utf8)
                return tail.count >= version.count + 1 && Array(tail.suffix(version.count + 1).dropLast()) == version
            }
            tail.append(byte)
            if tail.count > 16 { tail.removeFirst(tail.count - 16) }
            lineTail = tail
        }
        return true
    }
}

/// After the HTTP decoder: answers what the decoder refuses (400, 413, 431) and closes, answers
/// a body announced too large with 413 before reading it, closes a connection after a response
/// that says `Connection: close`, and runs the header and idle timers. Hummingbird's own handling
/// of these cases sent nothing and left the connection open.
final class RequestGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    let watch: ConnectionWatch
    private var context: ChannelHandlerContext?

    init(watch: ConnectionWatch) {
        self.watch = watch
    }

    /// The timers' expiry, for the watcher before the decoder to hand over.
    func expired(_ wait: ConnectionWatch.Wait) {
        guard let context, watch.inFlight == 0 else { return }
        switch wait {
        case .header:
            reject(context, .requestTimeout, "request_timeout", "the request's headers did not arrive within the header timeout")
        case .idle:
            context.close(promise: nil)
        }
    }

    /// Refuses the request in progress (for the watcher before the decoder).
    func refuse(_ status: HTTPResponseStatus, _ code: String, _ message: String) {
        if let context { reject(context, status, code, message) }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { watch.arm(.idle, on: context, expired: expired) }
    }

    func channelActive(context: ChannelHandlerContext) {
        watch.arm(.idle, on: context, expired: expired)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        watch.disarm()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        watch.disarm()
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if watch.upgraded { return context.fireChannelRead(data) }
        guard !watch.rejecting else { return }
        if case .head(let head) = unwrapInboundIn(data) {
            watch.inFlight += 1
            watch.readingHead = false
            watch.responseStarted = false
            watch.disarm()
            // The client asked for the connection to end with this exchange: end it, rather than
            // wait (half closed) for the client to close its side.
            if !head.isKeepAlive { watch.closeAfterResponse = true }
            if let length = head.headers.first(name: "content-length").flatMap(Int.init), length > watch.limits.maxBodyBytes {
                return reject(context, .payloadTooLarge, "body_too_large", "the body exceeds \(watch.limits.maxBodyBytes) bytes")
            }
        }
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parse = error as? HTTPParserError else { return context.fireErrorCaught(error) }
        let (status, code, message): (HTTPResponseStatus, String, String) = switch parse {
        case .headerOverflow: (.requestHeaderFieldsTooLarge, "headers_too_large", "the request line and headers are too large")
        case .invalidContentLength, .unexpectedContentLength: (.badRequest, "bad_request", "the request's Content-Length is invalid")
        default: (.badRequest, "bad_request", "the request is not valid HTTP/1.1 (\(parse))")
        }
        reject(context, status, code, message)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if watch.upgraded { return context.write(data, promise: promise) }
        switch unwrapOutboundIn(data) {
        case .head(let head):
            watch.responseStarted = true
            if head.headers[canonicalForm: "connection"].contains(where: { $0.lowercased() == "close" }) { watch.closeAfterResponse = true }
            // Upgraded to a WebSocket: no longer HTTP, and no HTTP timer applies.
            if head.status == .switchingProtocols {
                watch.upgraded = true
                watch.disarm()
            }
            context.write(data, promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            let written = promise ?? context.eventLoop.makePromise()
            context.write(data, promise: written)
            written.futureResult.assumeIsolated().whenSuccess { [self] in responseEnded(context) }
        }
    }

    private func responseEnded(_ context: ChannelHandlerContext) {
        watch.inFlight = max(watch.inFlight - 1, 0)
        watch.responseStarted = false
        if watch.closeAfterResponse {
            context.close(promise: nil)
        } else if watch.inFlight == 0 {
            watch.arm(watch.readingHead ? .header : .idle, on: context, expired: expired)
        }
    }

    /// Answers `status` with the API's JSON error and closes (lingering: the output is shut,
    /// what the client still sends is dropped for a moment, then the connection closes); when a
    /// response has started already, only closes.
    private func reject(_ context: ChannelHandlerContext, _ status: HTTPResponseStatus, _ code: String, _ message: String) {
        guard !watch.rejecting else { return }
        watch.rejecting = true
        watch.refusal.set()
        watch.disarm()
        guard !watch.responseStarted else { return context.close(promise: nil) }
        let body = APIError(HTTPResponse.Status(code: Int(status.code)), code: code, message).json.serializedBytes()
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(body.count))
        headers.add(name: "Connection", value: "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        let linger = watch.limits.linger
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            context.close(mode: .output, promise: nil)
            context.eventLoop.assumeIsolated().scheduleTask(in: linger) { context.close(promise: nil) }
        }
    }
}
