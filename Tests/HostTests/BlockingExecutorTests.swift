import Foundation
import Testing
import UvianHost

/// The threads plugin calls and SQLite writes run on.
@Suite struct BlockingExecutorTests {
    final class Payload: Sendable {
        let bytes = [UInt8](repeating: 1, count: 1024)
    }

    /// Bug: a closure that had run stayed in the queue (with whatever it captured, a job's
    /// parameters) until 1,024 more had run: repeated large jobs kept their parameters in memory.
    @Test func whatAClosureCapturedIsFreedOnceItRan() async throws {
        let executor = BlockingExecutor(threads: 2, name: "test-executor")
        defer { executor.shutdown() }
        weak var first: Payload?
        for round in 0..<3 {
            var payload: Payload? = Payload()
            if round == 0 { first = payload }
            let captured = payload!
            _ = try await executor.run { captured.bytes.count }
            payload = nil
        }
        // The last closure may still be on its way out of the worker thread's frame.
        try await poll(100, every: .milliseconds(10), "the first closure's capture freed") { first == nil }
    }
}
