import Synchronization

/// Task ids and lease tokens without Foundation's `UUID()`, which on Linux opens, reads and
/// closes `/dev/urandom` for every identifier: three system calls each, four identifiers (twelve
/// calls) for one `POST /execute?wait` once lease tokens came in. Random bits come from
/// `SystemRandomNumberGenerator` (getrandom(2), one call, no file).
package enum RandomIdentifier {
    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// A random (version 4, RFC 9562) UUID in lowercase, as `UUID().uuidString.lowercased()` spells it.
    package static func uuid() -> String {
        var generator = SystemRandomNumberGenerator()
        var high = generator.next() as UInt64
        var low = generator.next() as UInt64
        high = (high & ~0xF000) | 0x4000                           // version 4
        low = (low & ~(0xC000 << 48)) | (0x8000 << 48)             // the RFC 9562 variant, 10xx
        return String(unsafeUninitializedCapacity: 36) { buffer in
            var index = 0
            func put(_ value: UInt64, digits: Int) {
                for shift in stride(from: (digits - 1) * 4, through: 0, by: -4) {
                    buffer[index] = hexDigits[Int((value >> UInt64(shift)) & 0xF)]
                    index += 1
                }
            }
            func dash() { buffer[index] = UInt8(ascii: "-"); index += 1 }
            put(high >> 32, digits: 8); dash()
            put(high >> 16, digits: 4); dash()
            put(high, digits: 4); dash()
            put(low >> 48, digits: 4); dash()
            put(low, digits: 12)
            return 36
        }
    }

    /// This process's prefix for lease tokens: random, so two workers never make the same token.
    private static let tokenPrefix: String = {
        var generator = SystemRandomNumberGenerator()
        let bits = generator.next() as UInt64
        return String(bits, radix: 16)
    }()
    private static let tokenCounter = Atomic<UInt64>(0)

    /// A token no other lease of any worker has had: the process's random prefix and a counter,
    /// with no system call at all.
    package static func leaseToken() -> String {
        let next = tokenCounter.add(1, ordering: .relaxed).newValue
        return tokenPrefix + "." + String(next, radix: 36)
    }
}
