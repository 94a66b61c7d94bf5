import CProcessSpawn
import Foundation
public import GuardedFetch
import Glibc
import Synchronization

/// An HTTP proxy on a unix socket that lets a sandboxed run reach the internet and nothing else.
///
/// The run has a network namespace of its own (loopback only), so it has no route anywhere; the
/// socket file is its one way out. Each request names a host (CONNECT, or an absolute http://
/// URL); the proxy resolves it, dials only addresses the SSRF rule allows (public, or covered by an
/// allow entry: the same `DestinationGuard` as the fetcher), and relays bytes. The address checked
/// is the address dialled, so DNS rebinding gains nothing. Blocking threads, one per connection;
/// `stop()` ends them all.
public final class EgressProxy: Sendable {
    public struct Limits: Sendable {
        public var maxConnections = 32
        public var connectTimeoutMs: Int32 = 10_000
        /// Longest request head accepted (request line and headers).
        public var maxHeadBytes = 16384
        /// Time a client has to send its request head.
        public var headTimeoutMs: Int32 = 10_000
        public init() {}
    }

    public let socketPath: String
    private let listener: Int32
    /// Closing the write end wakes every poll that includes the read end.
    private let stopRead: Int32
    private let stopWrite = Mutex<Int32>(-1)
    private let destinationGuard: DestinationGuard
    private let limits: Limits
    private let state = Mutex(State())

    private struct State {
        var active = 0
        var openSockets: Set<Int32> = []
        var report = EgressReport()
        var stopped = false
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Creates and listens on `socketPath` (mode 0666: the run's uid is another). Call `start()`.
    public init(socketPath: String, destinationGuard: DestinationGuard, limits: Limits = Limits()) throws(Failure) {
        self.socketPath = socketPath
        self.destinationGuard = destinationGuard
        self.limits = limits
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(socketPath.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw Failure(description: "proxy socket path too long: \(socketPath)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
            raw[pathBytes.count] = 0
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(Self.errorText())") }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, chmod(socketPath, 0o666) == 0, listen(fd, 64) == 0 else {
            let text = Self.errorText()
            close(fd)
            throw Failure(description: "proxy socket \(socketPath): \(text)")
        }
        var pipeEnds: [Int32] = [-1, -1]
        guard uvw_pipe_cloexec(&pipeEnds) == 0 else {
            close(fd)
            throw Failure(description: "pipe: \(Self.errorText())")
        }
        listener = fd
        stopRead = pipeEnds[0]
        stopWrite.withLock { $0 = pipeEnds[1] }
    }

    deinit {
        _ = stop()
        close(listener)
        close(stopRead)
    }

    /// Starts accepting on a thread of its own.
    public func start() {
        state.withLock { $0.active += 1 }
        Thread.detachNewThread { [self] in
            defer { state.withLock { $0.active -= 1 } }
            acceptLoop()
        }
    }

    /// Stops accepting, cuts every relayed connection, waits (up to 2 s) for the threads, and
    /// says what went through. Idempotent.
    public func stop() -> EgressReport {
        let sockets = state.withLock { state -> Set<Int32> in
            state.stopped = true
            return state.openSockets
        }
        stopWrite.withLock { fd in
            if fd >= 0 { close(fd); fd = -1 }
        }
        // shutdown (not close) wakes a thread blocked in read or write on the socket.
        for fd in sockets { shutdown(fd, Int32(SHUT_RDWR)) }
        for _ in 0..<2000 where state.withLock({ $0.active }) > 0 { usleep(1000) }
        return state.withLock { $0.report }
    }

    private func acceptLoop() {
        while true {
            var polled = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0), pollfd(fd: stopRead, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&polled, 2, -1)
            if ready < 0 && errno == EINTR { continue }
            if ready < 0 || polled[1].revents != 0 { return }
            let client = accept(listener, nil, nil)
            guard client >= 0 else { continue }
            // Children are spawned with closefrom(), but no descriptor should outlive an exec anyway.
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            let admitted = state.withLock { state -> Bool in
                guard !state.stopped, state.active - 1 < limits.maxConnections else { return false }
                state.active += 1
                state.openSockets.insert(client)
                return true
            }
            guard admitted else {
                Self.writeAll(client, Array("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8))
                close(client)
                continue
            }
            Thread.detachNewThread { [self] in
                serve(client)
                state.withLock { state in
                    state.openSockets.remove(client)
                    state.active -= 1
                }
                close(client)
            }
        }
    }

    private func serve(_ client: Int32) {
        guard let (head, leftover) = readHead(client) else { return }
        let request: ProxyRequest
        do {
            request = try ProxyRequest.parse(head)
        } catch {
            respond(client, error.status, error.reason)
            return
        }
        let upstream: Int32
        switch dial(request.host, request.port) {
        case .failure(let refusal):
            if refusal.status == 403 {
                state.withLock { state in
                    if state.report.refused.count < 20 { state.report.refused.append("\(request.host):\(request.port): \(refusal.reason)") }
                }
            }
            respond(client, refusal.status, refusal.reason)
            return
        case .success(let fd):
            upstream = fd
        }
        let registered = state.withLock { state -> Bool in
            guard !state.stopped else { return false }
            state.openSockets.insert(upstream)
            state.report.connections += 1
            return true
        }
        defer {
            if registered { state.withLock { _ = $0.openSockets.remove(upstream) } }
            close(upstream)
        }
        guard registered else { return }
        if let forwarded = request.forwardedHead {
            guard Self.writeAll(upstream, forwarded + leftover) else { return }
            state.withLock { $0.report.bytesSent += forwarded.count + leftover.count }
        } else {
            guard Self.writeAll(client, Array("HTTP/1.1 200 Connection established\r\n\r\n".utf8)),
                  Self.writeAll(upstream, leftover) else { return }
            state.withLock { $0.report.bytesSent += leftover.count }
        }
        relay(client, upstream)
    }

    /// Reads up to the blank line that ends the head; returns the head and any bytes after it.
    private func readHead(_ client: Int32) -> ([UInt8], [UInt8])? {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        let terminator: [UInt8] = [13, 10, 13, 10]
        while true {
            var polled = [pollfd(fd: client, events: Int16(POLLIN), revents: 0), pollfd(fd: stopRead, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&polled, 2, limits.headTimeoutMs)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0, polled[1].revents == 0 else { return nil }
            let count = chunk.withUnsafeMutableBytes { read(client, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return nil }
            let searchFrom = max(0, buffer.count - 3)
            buffer.append(contentsOf: chunk[0..<count])
            let end = Self.find(terminator, in: buffer, from: searchFrom)
            if (end.map { $0 + 4 } ?? buffer.count) > limits.maxHeadBytes {
                respond(client, 431, "request head over \(limits.maxHeadBytes) bytes")
                return nil
            }
            if let end { return (Array(buffer[..<(end + 4)]), Array(buffer[(end + 4)...])) }
        }
    }

    /// Resolves the host and connects to the first address the guard allows.
    private func dial(_ host: String, _ port: Int) -> Result<Int32, ProxyRequest.Refusal> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(host, String(port), &hints, &list)
        guard resolved == 0, let list else {
            return .failure(.init(status: 502, reason: "cannot resolve \(host): \(String(cString: gai_strerror(resolved)))"))
        }
        defer { freeaddrinfo(list) }
        var refusal: String?
        var lastError = "no address"
        var entry: UnsafeMutablePointer<addrinfo>? = list
        while let current = entry {
            entry = current.pointee.ai_next
            guard let address = Self.ipAddress(current.pointee.ai_addr) else { continue }
            if let reason = destinationGuard.refusal(address, port: port, host: host) {
                refusal = (host == address.description ? "\(host) is in" : "\(host) resolves to \(address), in") + " \(reason), which scripts may not reach"
                continue
            }
            let fd = socket(current.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            guard fd >= 0 else { lastError = Self.errorText(); continue }
            if connect(fd, current.pointee.ai_addr, current.pointee.ai_addrlen) == 0 || errno == EINPROGRESS,
               waitConnected(fd) {
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
                return .success(fd)
            }
            lastError = Self.errorText()
            close(fd)
        }
        if let refusal { return .failure(.init(status: 403, reason: refusal)) }
        return .failure(.init(status: 502, reason: "cannot connect to \(host):\(port): \(lastError)"))
    }

    private func waitConnected(_ fd: Int32) -> Bool {
        var polled = [pollfd(fd: fd, events: Int16(POLLOUT), revents: 0), pollfd(fd: stopRead, events: Int16(POLLIN), revents: 0)]
        var ready: Int32
        repeat { ready = poll(&polled, 2, limits.connectTimeoutMs) } while ready < 0 && errno == EINTR
        guard ready > 0, polled[1].revents == 0 else { errno = ETIMEDOUT; return false }
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0, error == 0 else { errno = error; return false }
        return true
    }

    /// Copies both ways until both sides have finished sending (or `stop()` shuts the sockets).
    private func relay(_ client: Int32, _ upstream: Int32) {
        var open = [client: true, upstream: true]
        var chunk = [UInt8](repeating: 0, count: 65536)
        while open.values.contains(true) {
            var polled = open.filter(\.value).keys.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let ready = poll(&polled, nfds_t(polled.count), -1)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { return }
            for entry in polled where entry.revents != 0 {
                let target = entry.fd == client ? upstream : client
                let count = chunk.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 {
                    open[entry.fd] = false
                    shutdown(target, Int32(SHUT_WR))
                    continue
                }
                guard Self.writeAll(target, Array(chunk[0..<count])) else { return }
                state.withLock { state in
                    if entry.fd == client { state.report.bytesSent += count } else { state.report.bytesReceived += count }
                }
            }
        }
    }

    private func respond(_ client: Int32, _ status: Int, _ reason: String) {
        let phrase = [400: "Bad Request", 403: "Forbidden", 431: "Request Header Fields Too Large", 502: "Bad Gateway"][status] ?? "Error"
        let body = "uvw egress proxy: \(reason)\n"
        let response = "HTTP/1.1 \(status) \(phrase)\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
        Self.writeAll(client, Array(response.utf8))
    }

    @discardableResult
    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        var index = start
        while index + needle.count <= haystack.count {
            if haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }

    private static func ipAddress(_ address: UnsafeMutablePointer<sockaddr>?) -> IPAddress? {
        guard let address else { return nil }
        switch Int32(address.pointee.sa_family) {
        case AF_INET:
            return address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                withUnsafeBytes(of: pointer.pointee.sin_addr) { IPAddress(bytes: Array($0)) }
            }
        case AF_INET6:
            return address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                withUnsafeBytes(of: pointer.pointee.sin6_addr) { IPAddress(bytes: Array($0)) }
            }
        default:
            return nil
        }
    }

    private static func errorText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }
}
