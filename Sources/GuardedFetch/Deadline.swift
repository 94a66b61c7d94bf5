#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The end of a fetch's time budget, and the blocking waits that respect it and the caller's stop flag.
struct Deadline: Sendable {
    let start: ContinuousClock.Instant
    let end: ContinuousClock.Instant
    let budget: Duration

    init(_ budget: Duration) {
        start = .now
        end = start.advanced(by: budget)
        self.budget = budget
    }

    var remaining: Duration { ContinuousClock.now.duration(to: end) }
    var elapsed: Duration { start.duration(to: .now) }

    func expiredError() -> FetchError {
        FetchError(.timeout, "no complete response within \(budget.milliseconds) ms")
    }

    /// Throws timeout when the budget is spent.
    func check() throws(FetchError) {
        if remaining <= .zero { throw expiredError() }
    }

    /// Sleeps `duration` in short slices, so a stop request is seen within 50 ms.
    /// The caller checks that the sleep fits in the budget.
    static func sleep(_ duration: Duration, shouldStop: @Sendable () -> Bool) throws(FetchError) {
        let until = ContinuousClock.now.advanced(by: duration)
        while true {
            if shouldStop() { throw FetchError(.cancelled, "stopped by the caller") }
            let left = ContinuousClock.now.duration(to: until)
            if left <= .zero { return }
            let slice = min(left, .milliseconds(50))
            usleep(UInt32(max(1, slice.nanoseconds / 1000)))
        }
    }
}
