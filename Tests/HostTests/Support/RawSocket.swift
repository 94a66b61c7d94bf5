import Foundation

/// A plain TCP connection to the worker, for requests no HTTP client would send. Blocking I/O on
/// a thread of its own, never on the cooperative pool.
final class RawSocket: @unchecked Sendable {
    // Used by one test at a time, from the thread each call runs on.
    private let fd: Int32

    struct Failure: Error, CustomStringConvertible { let description: String }

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw Failure(description: "connect: \(String(cString: strerror(errno)))")
        }
    }

    deinit { close(fd) }

    /// Sends the bytes (all of them, or until the peer stops reading).
    func send(_ bytes: [UInt8]) async {
        await onThread { [fd] in
            var sent = 0
            while sent < bytes.count {
                let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
                if n <= 0 { return }
                sent += n
            }
        }
    }

    func send(_ text: String) async { await send(Array(text.utf8)) }

    /// What arrives until the peer closes (`closed`), `until` has arrived, or `timeout` seconds
    /// pass, and how long it took.
    func receive(timeout: Double, until marker: String? = nil) async -> (text: String, closed: Bool, seconds: Double) {
        await onThread { [fd] in
            let start = Date()
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let left = timeout - Date().timeIntervalSince(start)
                guard left > 0 else { return (String(decoding: received, as: UTF8.self), false, Date().timeIntervalSince(start)) }
                var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&poller, 1, Int32(left * 1000)) > 0 else { continue }
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
                if n <= 0 { return (String(decoding: received, as: UTF8.self), true, Date().timeIntervalSince(start)) }
                received += buffer[0..<n]
                if let marker, String(decoding: received, as: UTF8.self).contains(marker) {
                    return (String(decoding: received, as: UTF8.self), false, Date().timeIntervalSince(start))
                }
            }
        }
    }

    private func onThread<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in Thread.detachNewThread { continuation.resume(returning: work()) } }
    }
}
