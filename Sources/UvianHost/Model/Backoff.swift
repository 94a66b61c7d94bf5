/// Delay between attempts, as BullMQ's `backoff` option: `fixed` waits `delay` every time,
/// `exponential` waits `delay * 2^(attempt-1)`. Both add up to `jitter` (0…1) of random spread so
/// that a burst of failures does not retry in lockstep.
package struct Backoff: Sendable, Equatable {
    package enum Kind: String, Sendable {
        case fixed, exponential
    }

    package var kind: Kind
    package var delayMs: Int
    package var jitter: Double

    package init(kind: Kind, delayMs: Int, jitter: Double = 0) {
        self.kind = kind
        self.delayMs = delayMs
        self.jitter = jitter
    }

    package static let none = Backoff(kind: .fixed, delayMs: 0)

    /// Delay before the next try, after `attemptsMade` attempts (≥ 1) failed.
    package func delay(afterAttempt attemptsMade: Int) -> Int {
        let base: Double
        switch kind {
        case .fixed: base = Double(delayMs)
        case .exponential: base = Double(delayMs) * pow2(max(0, attemptsMade - 1))
        }
        let spread = jitter > 0 ? base * jitter * Double.random(in: 0...1) : 0
        return Int(min(base - spread, Double(Int32.max)))
    }

    private func pow2(_ exponent: Int) -> Double {
        exponent >= 62 ? Double(Int64.max) : Double(Int64(1) << exponent)
    }
}
