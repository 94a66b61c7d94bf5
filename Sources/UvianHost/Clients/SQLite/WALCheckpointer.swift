import Foundation
import Synchronization

/// Runs SQLite's WAL checkpoints on a thread and connection of their own, twenty times a second,
/// so commits rarely wait for one. PASSIVE checkpoints never block writers or readers; they copy
/// what they can. The writer's own checkpoint, every 4,000 pages, then has little left to copy
/// and lets the WAL start over (see `SQLiteDatabase.init`).
final class WALCheckpointer: Sendable {
    private let stopped = Atomic<Bool>(false)
    private let wake = NSCondition()

    init(path: String, interval: Double = 0.05) throws {
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
