import EgressProxy
import Foundation
import Glibc
import GuardedFetch
import Testing

/// The proxy over real sockets: a loopback HTTP server as the upstream (allowed by an allow entry,
/// as loopback is otherwise refused), a client on the unix socket.
@Suite struct EgressProxyTests {
    /// A one-response-per-connection HTTP server on 127.0.0.1 that echoes the request line back.
    final class Upstream: @unchecked Sendable {
        let fd: Int32
        let port: Int

        init() {
            let (fd, port) = loopbackListener()
            self.fd = fd
            self.port = port
            Thread.detachNewThread {
                while true {
                    let client = accept(fd, nil, nil)
                    guard client >= 0 else { return }
                    var buffer = [UInt8](repeating: 0, count: 4096)
                    let count = read(client, &buffer, buffer.count)
                    let firstLine = String(decoding: buffer.prefix(max(0, count)), as: UTF8.self).split(separator: "\r\n").first ?? ""
                    let body = "echo: \(firstLine)"
                    let response = "HTTP/1.1 200 OK\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
                    _ = response.withCString { write(client, $0, strlen($0)) }
                    close(client)
                }
            }
        }

        func stop() { shutdown(fd, Int32(SHUT_RDWR)); close(fd) }
    }

    func socketPath() -> String {
        let directory = "/tmp/uvw-egress-tests-\(getpid())"
        mkdir(directory, 0o700)
        return directory + "/proxy-\(UUID().uuidString.prefix(8)).sock"
    }

    /// Sends `request` over the proxy's unix socket and reads until the proxy closes (or 5 s).
    func exchange(_ path: String, _ request: String) -> String {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in raw.copyBytes(from: Array(path.utf8) + [0]) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { return "connect failed: \(errno)" }
        _ = request.withCString { write(fd, $0, strlen($0)) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(fd, &chunk, chunk.count)
            guard count > 0 else { break }
            bytes += chunk.prefix(count)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func plainHTTPAndConnectReachAnAllowedUpstream() throws {
        let upstream = Upstream()
        defer { upstream.stop() }
        let proxy = try EgressProxy(socketPath: socketPath(), destinationGuard: DestinationGuard(allow: ["127.0.0.1:\(upstream.port)"]))
        proxy.start()
        let plain = exchange(proxy.socketPath, "GET http://127.0.0.1:\(upstream.port)/page?x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        #expect(plain.hasPrefix("HTTP/1.1 200 OK") && plain.hasSuffix("echo: GET /page?x=1 HTTP/1.1"), "\(plain)")
        let tunnel = exchange(proxy.socketPath, "CONNECT 127.0.0.1:\(upstream.port) HTTP/1.1\r\n\r\nGET /tunnelled HTTP/1.1\r\n\r\n")
        #expect(tunnel.hasPrefix("HTTP/1.1 200 Connection established\r\n\r\nHTTP/1.1 200 OK") && tunnel.hasSuffix("echo: GET /tunnelled HTTP/1.1"),
                "\(tunnel)")
        let report = proxy.stop()
        #expect(report.connections == 2 && report.refused.isEmpty && report.bytesReceived > 0 && report.bytesSent > 0)
    }

    @Test func nonPublicDestinationsAreRefusedWith403() throws {
        let upstream = Upstream()
        defer { upstream.stop() }
        // No allow entry: the same loopback upstream is now out of bounds, as are metadata and private ranges.
        let proxy = try EgressProxy(socketPath: socketPath(), destinationGuard: DestinationGuard(allow: []))
        proxy.start()
        for target in ["127.0.0.1:\(upstream.port)", "localhost:\(upstream.port)", "169.254.169.254:80", "10.0.0.1:80",
                       "[::1]:\(upstream.port)", "[::ffff:127.0.0.1]:\(upstream.port)", "0.0.0.0:\(upstream.port)"] {
            let answer = exchange(proxy.socketPath, "CONNECT \(target) HTTP/1.1\r\n\r\n")
            #expect(answer.hasPrefix("HTTP/1.1 403 Forbidden") && answer.contains("which scripts may not reach"), "\(target): \(answer)")
        }
        let report = proxy.stop()
        #expect(report.connections == 0 && report.refused.count == 7)
    }

    @Test func badRequestsGet400AndUnresolvableHosts502() throws {
        let proxy = try EgressProxy(socketPath: socketPath(), destinationGuard: DestinationGuard(allow: []))
        proxy.start()
        defer { _ = proxy.stop() }
        #expect(exchange(proxy.socketPath, "GET /x HTTP/1.1\r\n\r\n").hasPrefix("HTTP/1.1 400 Bad Request"))
        #expect(exchange(proxy.socketPath, "CONNECT no-such-host.invalid:443 HTTP/1.1\r\n\r\n").hasPrefix("HTTP/1.1 502 Bad Gateway"))
        #expect(exchange(proxy.socketPath, "GET http://x/" + String(repeating: "a", count: 20000) + " HTTP/1.1\r\n\r\n")
                .hasPrefix("HTTP/1.1 431"))
    }

    @Test func stopCutsOpenTunnelsAtOnce() throws {
        // An upstream that accepts and never answers: the tunnel stays open until stop().
        let (silent, port) = loopbackListener()
        defer { close(silent) }
        let proxy = try EgressProxy(socketPath: socketPath(), destinationGuard: DestinationGuard(allow: ["127.0.0.1:\(port)"]))
        proxy.start()
        let done = DispatchSemaphore(value: 0)
        let path = proxy.socketPath
        Thread.detachNewThread {
            _ = self.exchange(path, "CONNECT 127.0.0.1:\(port) HTTP/1.1\r\n\r\n")
            done.signal()
        }
        usleep(300_000)
        let started = Date()
        let report = proxy.stop()
        #expect(Date().timeIntervalSince(started) < 1.5)
        #expect(report.connections == 1)
        #expect(done.wait(timeout: .now() + 3) == .success, "the client saw its tunnel close")
    }
}

/// A TCP listener on the host's 127.0.0.1 at a free port (the caller closes it).
func loopbackListener() -> (fd: Int32, port: Int) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
    listen(fd, 16)
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    return (fd, Int(UInt16(bigEndian: address.sin_port)))
}
