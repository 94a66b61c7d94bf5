import Glibc
import ServiceLifecycle

/// Tells systemd how the service is doing through `$NOTIFY_SOCKET` (the `sd_notify` protocol: one
/// datagram of `KEY=value` lines on a Unix socket), without linking libsystemd: `READY=1` once the
/// HTTP port listens with the plugins loaded (`Type=notify`), `WATCHDOG=1` every half of
/// `$WATCHDOG_USEC` while the worker's tasks still get run (`WatchdogSec=`), `STOPPING=1` when a
/// graceful shutdown begins. Without `$NOTIFY_SOCKET` (not started by systemd) it does nothing.
package struct SystemdNotifier: Sendable {
    /// The socket's address: a path, or an abstract name (given with a leading `@`).
    let socketPath: String
    /// How often to ping the watchdog, if systemd asked for it (and this process is its target).
    let watchdogInterval: Duration?

    package init?(environment: [String: String]) {
        guard let path = environment["NOTIFY_SOCKET"], path.hasPrefix("/") || path.hasPrefix("@"), path.utf8.count < 108 else { return nil }
        socketPath = path
        // WATCHDOG_PID, when set, names the process meant to ping (systemd sets it to the main PID).
        let forUs = environment["WATCHDOG_PID"].map { Int32($0) == getpid() } ?? true
        if forUs, let usec = environment["WATCHDOG_USEC"].flatMap(Int64.init), usec > 0 {
            watchdogInterval = .microseconds(usec / 2)
        } else {
            watchdogInterval = nil
        }
    }

    /// Sends one notification; false if it could not be delivered (logged by the caller if it cares).
    @discardableResult
    package func send(_ state: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(socketPath.utf8)
        if pathBytes.first == UInt8(ascii: "@") { pathBytes[0] = 0 }  // abstract namespace
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in pathBytes.enumerated() { raw[index] = byte }
        }
        // An abstract address's length counts its bytes exactly; a path's includes its terminator.
        let length = MemoryLayout<sa_family_t>.size + pathBytes.count + (pathBytes.first == 0 ? 0 : 1)
        let message = Array(state.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                sendto(fd, message, message.count, Int32(MSG_DONTWAIT | MSG_NOSIGNAL), socketAddress, socklen_t(length))
            }
        }
        return sent == message.count
    }
}

/// Pings systemd's watchdog while the worker runs, and says `STOPPING=1` when shutdown begins.
/// The ping comes from a task on the cooperative pool, so a pool wedged by blocking calls stops it
/// and systemd restarts the worker.
package struct SystemdWatchdog: Service {
    let notifier: SystemdNotifier

    package init(notifier: SystemdNotifier) {
        self.notifier = notifier
    }

    package func run() async throws {
        let notifier = self.notifier
        await withGracefulShutdownHandler {
            guard let interval = notifier.watchdogInterval else {
                try? await gracefulShutdown()
                return
            }
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                notifier.send("WATCHDOG=1")
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            }
        } onGracefulShutdown: {
            notifier.send("STOPPING=1")
        }
    }
}
