import Foundation
import Synchronization
import Testing
@testable import GuardedFetch

/// Per-host concurrency and delay across threads, and cancellation.
struct PolitenessTests {
    @Test func limitsConcurrentRequestsPerHost() throws {
        let server = try TestServer()
        defer { server.stop() }
        var policy = server.policy
        policy.perHostConcurrency = 2
        let fetcher = Fetcher(policy: policy)
        let url = server.base + "/concurrent?key=c&ms=300"
        let failures = Mutex(0)
        onThreads(6) { _ in
            if (try? fetcher.fetch(FetchRequest(url: url)))?.status != 200 { failures.withLock { $0 += 1 } }
        }
        #expect(failures.withLock { $0 } == 0)
        let stats = try server.json("/stats?key=c")
        #expect(stats["max_active"] as? Int == 2)
    }

    @Test func spacesStartsPerHost() throws {
        let server = try TestServer()
        defer { server.stop() }
        var policy = server.policy
        policy.perHostDelay = .milliseconds(300)
        let fetcher = Fetcher(policy: policy)
        let url = server.base + "/concurrent?key=d&ms=10"
        onThreads(3) { _ in _ = try? fetcher.fetch(FetchRequest(url: url)) }
        let gaps = try server.json("/stats?key=d")["gaps_ms"] as? [Int] ?? []
        #expect(gaps.count == 2)
        #expect(gaps.allSatisfy { $0 >= 280 }, "\(gaps)")
    }

    @Test func cancelsDuringTransfer() throws {
        let server = try TestServer()
        defer { server.stop() }
        let start = ContinuousClock.now
        var request = FetchRequest(url: server.base + "/slow?ms=5000")
        request.shouldStop = { start.duration(to: .now) > .milliseconds(300) }
        let error = fetchError(Fetcher(policy: server.policy), request)
        #expect(error?.code == .cancelled)
        #expect(error?.description.hasPrefix("cancelled: ") == true)
        #expect(start.duration(to: .now) < .seconds(3))
    }

    @Test func cancelsWhileWaitingToRetry() throws {
        let server = try TestServer()
        defer { server.stop() }
        let start = ContinuousClock.now
        var request = FetchRequest(url: server.base + "/flaky?after=8")
        request.shouldStop = { start.duration(to: .now) > .milliseconds(300) }
        #expect(fetchError(Fetcher(policy: server.policy), request)?.code == .cancelled)
        #expect(start.duration(to: .now) < .seconds(2))
    }

    @Test func cancelsWhileWaitingForASlot() throws {
        let server = try TestServer()
        defer { server.stop() }
        var policy = server.policy
        policy.perHostConcurrency = 1
        let fetcher = Fetcher(policy: policy)
        let codes = Mutex<[FetchError.Code?]>([])
        let start = ContinuousClock.now
        onThreads(2) { index in
            if index == 1 { usleep(100_000) }  // the second one waits for the first's slot
            var request = FetchRequest(url: server.base + "/slow?ms=1500")
            if index == 1 { request.shouldStop = { start.duration(to: .now) > .milliseconds(400) } }
            let code = fetchError(fetcher, request)?.code
            codes.withLock { $0.append(code) }
        }
        let seen = codes.withLock { $0 }
        #expect(seen.contains { $0 == nil })
        #expect(seen.contains { $0 == .cancelled })
    }
}
