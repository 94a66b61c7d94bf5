import Foundation
import Logging
import Synchronization

/// The `processing` records of jobs taken from a queue that does not record them itself (Redis),
/// written in batches beside the jobs rather than in their way: a job starts its plugin at once,
/// and its start joins the next batch. A job that ends before its start was written takes the
/// start back (`claim`) and its outcome's write records both, so a short job costs the store one
/// write; one whose start is being written waits for that write, so the start never lands after
/// the outcome.
final class StartRecorder: Sendable {
    private let store: any TaskStore
    private let workerId: String
    private let logger: Logger
    /// How long a batch gathers after its first start: `GET /task/{id}` shows a job processing
    /// this much later at most. Long enough for most short jobs to end first, whose start then
    /// costs no write of its own.
    private let linger: Duration
    private let state = Mutex(State())

    private struct State {
        var pending: [String: TaskStart] = [:]
        /// Starts being written, and the finishes waiting for that write.
        var writing: Set<String> = []
        var waiters: [CheckedContinuation<Void, Never>] = []
        /// The flush loop's sleep when nothing is pending.
        var flusher: CheckedContinuation<Void, Never>?
    }

    init(store: any TaskStore, workerId: String, logger: Logger, linger: Duration = .milliseconds(20)) {
        self.store = store
        self.workerId = workerId
        self.logger = logger
        self.linger = linger
    }

    /// Queues a job's start for the next batch.
    func add(_ start: TaskStart) {
        let flusher = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.pending[start.record.id] = start
            defer { state.flusher = nil }
            return state.flusher
        }
        flusher?.resume()
    }

    /// The job is ending: its start, if no batch took it yet (the caller writes it with the
    /// outcome); nil when it was written or never queued. Waits while a batch writes it.
    func claim(_ id: String) async -> TaskStart? {
        enum Claim { case unwritten(TaskStart), beingWritten, done }
        while true {
            let claim = state.withLock { state -> Claim in
                if let start = state.pending.removeValue(forKey: id) { return .unwritten(start) }
                return state.writing.contains(id) ? .beingWritten : .done
            }
            switch claim {
            case .unwritten(let start): return start
            case .done: return nil
            case .beingWritten:
                await withCheckedContinuation { continuation in
                    let wait = state.withLock { state -> Bool in
                        guard state.writing.contains(id) else { return false }
                        state.waiters.append(continuation)
                        return true
                    }
                    if !wait { continuation.resume() }
                }
            }
        }
    }

    /// Writes the batches until cancelled; what is pending then is written before it returns.
    func run() async {
        while !Task.isCancelled {
            await waitForStarts()
            try? await Task.sleep(for: linger)
            await flush()
        }
        await flush()
    }

    private func waitForStarts() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> Bool in
                    guard state.pending.isEmpty, !Task.isCancelled else { return true }
                    state.flusher = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            let flusher = state.withLock { state -> CheckedContinuation<Void, Never>? in
                defer { state.flusher = nil }
                return state.flusher
            }
            flusher?.resume()
        }
    }

    private func flush() async {
        let batch = state.withLock { state -> [TaskStart] in
            let batch = Array(state.pending.values)
            state.pending.removeAll()
            state.writing.formUnion(batch.map(\.record.id))
            return batch
        }
        guard !batch.isEmpty else { return }
        do {
            try await store.markProcessing(batch, workerId: workerId, at: Date())
        } catch {
            // Each job's outcome creates its record if it has none (`creating:`).
            logger.error("store.write.failed", metadata: ["error": "\(error)"])
        }
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.writing.subtract(batch.map(\.record.id))
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
