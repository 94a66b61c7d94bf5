import Foundation

/// Seeds for tests with random inputs: `UVW_TEST_SEED` when set (to replay a failure), else a new
/// seed each run, printed so that a failing run can be replayed. Failure messages name it too.
enum TestSeed {
    static func value(default fallback: UInt64? = nil) -> UInt64 {
        if let text = ProcessInfo.processInfo.environment["UVW_TEST_SEED"], let seed = UInt64(text) { return seed }
        return fallback ?? UInt64.random(in: 1...UInt64.max)
    }

    /// A generator seeded from `value()`, with the seed printed for `test`.
    static func generator(for test: String) -> SeededGenerator {
        let seed = value()
        print("\(test): random inputs from seed \(seed) (replay with UVW_TEST_SEED=\(seed))")
        return SeededGenerator(seed: seed)
    }
}

/// SplitMix64: small, and the same sequence on every platform for a seed.
struct SeededGenerator: RandomNumberGenerator {
    let seed: UInt64
    private var state: UInt64

    init(seed: UInt64) {
        self.seed = seed
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
