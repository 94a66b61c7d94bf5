// Python's `round(x, n)` rounds the exact binary value of x to n decimals (ties to even, which
// only happen when the double is exactly halfway, like 0.125) and reads that decimal back as the
// nearest double. `(x * 1000).rounded() / 1000` differs: the multiplication itself rounds, so
// values just below a half can round up. Here the product is computed exactly in 128 bits.

enum PythonRounding {
    private static let powersOfTen: [UInt64] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000]

    /// `round(x, digits)` for 0 <= digits <= 6. Exact for |x| < 2^30, far beyond VADER's scores (within ±1).
    static func round(_ x: Double, digits: Int) -> Double {
        precondition((0..<powersOfTen.count).contains(digits), "digits out of range")
        guard x.isFinite, x != 0 else { return x }
        // |x| = significand * 2^-shift with an integer significand.
        let significand: UInt64
        let shift: Int
        if x.isNormal {
            significand = x.significandBitPattern | (1 << 52)
            shift = 52 - Int(x.exponent)
        } else {
            significand = x.significandBitPattern
            shift = 1074
        }
        // At most `shift` decimals: with no more than `digits` of them x is already exact.
        if shift <= digits { return x }
        let scale = powersOfTen[digits]
        let product = significand.multipliedFullWidth(by: scale)  // < 2^73, exact
        let quotient = roundedShift(high: product.high, low: product.low, by: shift)
        let magnitude = Double(quotient) / Double(scale)  // one correctly rounded division: the nearest double
        return x < 0 ? -magnitude : magnitude
    }

    /// (high:low) / 2^shift rounded half to even; the quotient fits 64 bits when shift > digits.
    private static func roundedShift(high: UInt64, low: UInt64, by shift: Int) -> UInt64 {
        guard shift < 128 else { return 0 }  // the product is below 2^73, far below half of 2^shift
        let quotient: UInt64
        if shift >= 64 {
            quotient = high >> UInt64(shift - 64)
        } else {
            quotient = (low >> UInt64(shift)) | (high << UInt64(64 - shift))
        }
        let roundBit = shift - 1
        let isHalfOrMore = bit(roundBit, high: high, low: low)
        guard isHalfOrMore else { return quotient }
        let isAboveHalf = hasBitsBelow(roundBit, high: high, low: low)
        if isAboveHalf || quotient & 1 == 1 { return quotient + 1 }
        return quotient
    }

    private static func bit(_ index: Int, high: UInt64, low: UInt64) -> Bool {
        index >= 64 ? (high >> UInt64(index - 64)) & 1 == 1 : (low >> UInt64(index)) & 1 == 1
    }

    /// Whether any of bits 0..<count is set.
    private static func hasBitsBelow(_ count: Int, high: UInt64, low: UInt64) -> Bool {
        if count == 0 { return false }
        if count < 64 { return low & ((1 << UInt64(count)) - 1) != 0 }
        if low != 0 { return true }
        if count == 64 { return false }
        return high & ((1 << UInt64(count - 64)) - 1) != 0
    }
}
