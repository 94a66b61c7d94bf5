#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A pthread mutex with a condition variable: the fetcher blocks plugin worker threads (never Swift's
/// cooperative pool), so a plain blocking wait is what it needs. Synchronization.Mutex has no
/// condition and needs macOS 15, which the package does not require.
final class ConditionLock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        condition.deallocate()
    }

    func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Waits (the lock held by the caller) until signalled or `timeout` passes.
    func wait(timeout: Duration) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let nanos = Int64(now.tv_nsec) + max(0, timeout.nanoseconds)
        var until = timespec(tv_sec: now.tv_sec + Int(nanos / 1_000_000_000), tv_nsec: Int(nanos % 1_000_000_000))
        pthread_cond_timedwait(condition, mutex, &until)
    }

    func broadcast() { pthread_cond_broadcast(condition) }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
    var milliseconds: Int64 { nanoseconds / 1_000_000 }
}
