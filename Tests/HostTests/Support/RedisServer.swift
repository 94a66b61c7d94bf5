import Foundation
import UvianHost

/// A private `redis-server` (Debian's, installed by `scripts/install-deps.sh --test`) on a free
/// loopback port, for the tests that need a real Redis.
final class RedisServer: Sendable {
    let port: Int
    let directory: String

    var url: String { "redis://127.0.0.1:\(port)" }
    var endpoint: RedisEndpoint { try! RedisEndpoint(url: url) }
    private var pidFile: String { directory + "/redis.pid" }

    init() throws {
        directory = TestPaths.temporaryDirectory("redis")
        port = try Self.freePort()
    }

    /// Starts the server (as a daemon, so no Foundation `Process` has to be waited for from the
    /// cooperative pool) and waits until it answers PING.
    func start() async throws {
        let started = try await Subprocess.run("/usr/bin/redis-server", [
            "--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory,
            "--daemonize", "yes", "--pidfile", pidFile, "--logfile", directory + "/redis.log",
        ])
        guard started.status == 0 else { throw Failure(description: "redis-server did not start: \(started.stderr)") }
        for _ in 0..<200 {
            if (try? RedisConnection(endpoint: endpoint, connectTimeout: 0.2, readTimeout: 1).command(["PING"])) == .status("PONG") { return }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw Failure(description: "redis-server on port \(port) did not answer PING")
    }

    /// Stops the server with SHUTDOWN NOSAVE (a signal may not reach it: a child started from a
    /// thread that blocks SIGTERM inherits the blocked mask) and waits up to 5 s for it to go.
    func stop() async {
        let pid = (try? String(contentsOfFile: pidFile, encoding: .utf8)).flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        _ = try? RedisConnection(endpoint: endpoint, connectTimeout: 1, readTimeout: 2).command(["SHUTDOWN", "NOSAVE"])
        if let pid {
            for _ in 0..<200 {
                guard Self.isAlive(pid) else { break }
                try? await Task.sleep(for: .milliseconds(25))
            }
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// True while the process runs (a daemon that exited may linger as a zombie nobody reaps).
    private static func isAlive(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        return !stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }

    /// Runs `body` with a started server, stopped afterwards whatever happens.
    static func with<T>(_ body: (RedisServer) async throws -> T) async throws -> T {
        let server = try RedisServer()
        try await server.start()
        do {
            let value = try await body(server)
            await server.stop()
            return value
        } catch {
            await server.stop()
            throw error
        }
    }
    struct Failure: Error, CustomStringConvertible { let description: String }

    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw Failure(description: "no free port: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
