import Foundation
import Synchronization

/// Runs SQLite's WAL checkpoints on a thread and connection of their own, a few times a second,
/// so commits never wait for one (the writer connection has auto-checkpointing turned off).
/// PASSIVE checkpoints never block writers or readers; they copy what they can and the WAL is
/// reused from its start once everything has been copied.
final class WALCheckpointer: Sendable {
    private let stopped = Atomic<Bool>(false)
    private let wake = NSCondition()

    init(path: String, interval: Double = 0.25) throws {
        let connection = try SQLiteConnection(path: path)
        // The thread holds the checkpointer until `stop`.
        let thread = Thread { [self] in
            while !stopped.load(ordering: .relaxed) {
                wake.lock()
                _ = wake.wait(until: Date().addingTimeInterval(interval))
                wake.unlock()
                // A busy or locked database is fine: the next round copies it.
                try? connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
            }
        }
        thread.name = "sqlite-checkpoint"
        thread.start()
    }

    func stop() {
        stopped.store(true, ordering: .relaxed)
        wake.lock()
        wake.signal()
        wake.unlock()
    }
}
