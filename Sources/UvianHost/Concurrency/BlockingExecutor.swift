import Foundation

/// A fixed set of dedicated threads for blocking work: plugin `execute` calls and SQLite.
///
/// Blocking calls must never run on Swift's cooperative pool (it has one thread per core, and a
/// blocked pool stalls every task in the process), so they are handed to these threads and
/// awaited through a continuation.
package final class BlockingExecutor: @unchecked Sendable {
    // `queue` and `stopped` are only touched with `condition` locked.
    private let condition = NSCondition()
    private var queue: [@Sendable () -> Void] = []
    private var head = 0
    private var stopped = false
    private var threadCount = 0
    private var idle = 0
    /// Threads asleep in `condition.wait()`, and wake-ups sent to them not yet taken up.
    private var sleeping = 0
    private var wakeups = 0
    private let maxThreads: Int
    private let name: String

    /// Starts `threads` threads, and more (up to `maxThreads`) when work arrives while all are
    /// busy: a plugin that hangs past its timeout keeps its thread, and must not starve the next
    /// jobs of one.
    package init(threads: Int, maxThreads: Int? = nil, name: String) {
        self.name = name
        self.maxThreads = max(threads, maxThreads ?? threads, 1)
        condition.lock()
        for _ in 0..<max(1, threads) { spawnLocked() }
        condition.unlock()
    }

    private func spawnLocked() {
        let thread = Thread { self.workLoop() }
        thread.name = "\(name)-\(threadCount)"
        thread.stackSize = 8 << 20
        threadCount += 1
        idle += 1
        thread.start()
    }

    /// Runs `work` on one of the threads without waiting for it.
    package func submit(_ work: @escaping @Sendable () -> Void) {
        condition.lock()
        queue.append(work)
        let queued = queue.count - head
        if queued > idle && threadCount < maxThreads { spawnLocked() }
        // A thread between two pieces of work (idle, not asleep) or one already woken will look
        // at the queue anyway: wake a sleeper only for work none of those will take. Each wake is
        // a futex call and a context switch, paid for every job when plugin calls are short.
        if queued > (idle - sleeping) + wakeups && sleeping > wakeups {
            wakeups += 1
            condition.signal()
        }
        condition.unlock()
    }

    /// Runs `work` on one of the threads and returns its result.
    package func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            submit { continuation.resume(with: Result { try work() }) }
        }
    }

    /// Lets the threads exit once the queue is empty.
    package func shutdown() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    /// What a taken slot holds until the queue is compacted.
    private static let taken: @Sendable () -> Void = {}

    private func workLoop() {
        while true {
            condition.lock()
            while head == queue.count && !stopped {
                sleeping += 1
                condition.wait()
                sleeping -= 1
                wakeups = max(wakeups - 1, 0)
            }
            if head == queue.count {
                condition.unlock()
                return
            }
            let work = queue[head]
            // The slot lets go of the closure at once: what it captured (a job's parameters, a
            // write's values) must not live on until the queue is compacted. (It did: up to 1,024
            // finished jobs' parameters stayed in memory.)
            queue[head] = Self.taken
            head += 1
            idle -= 1
            if head == queue.count {
                queue.removeAll(keepingCapacity: queue.capacity <= 4096)
                head = 0
            } else if head > 1024 && head * 2 > queue.count {
                queue.removeFirst(head)
                head = 0
            }
            condition.unlock()
            work()
            condition.lock()
            idle += 1
            condition.unlock()
        }
    }
}
