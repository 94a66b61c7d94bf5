/// Descriptive statistics on `[Double]`: pure functions, no parameter handling.
///
/// Accuracy choices (each is why a function looks the way it does):
/// - Sums are compensated (Neumaier's variant of Kahan–Babuška), so [1e16, 1, -1e16] sums to 1
///   and ten 0.1s sum to 1, where naive summation gives 0 and 0.9999999999999999.
/// - Sums, means and variances are computed on the values scaled by a power of two that brings
///   the largest magnitude into [1, 2). Scaling by a power of two is exact, so results are the
///   same bits as without it, but no intermediate (a partial sum, a squared deviation) can
///   overflow or underflow: [1e308, 1e308, -1e308] sums to 1e308, and the variance of values
///   near 1e-200 does not vanish. Only a final result beyond ±1.8e308 is an overflow error.
/// - The variance is two-pass with compensation: the compensated mean, then the compensated
///   sum of squared deviations minus the compensated sum of deviations squared over n (the
///   "corrected two-pass" formula), which cancels most of the rounding error of the mean.
/// - Quantiles use linear interpolation between order statistics (Hyndman–Fan type 7, numpy's
///   default `percentile`), with numpy's interpolation formula so results match it closely.
///
/// Inputs must be finite; `DataProcessingParams` guarantees that for values read from JSON.
enum Statistics {
    /// All the values `statistics` reports for a non-empty sample.
    struct Summary: Sendable, Equatable {
        let count: Int
        let sum: Double
        let mean: Double
        let median: Double
        let min: Double
        let max: Double
        let variancePopulation: Double
        /// nil when count < 2 (dividing by n - 1 = 0 is undefined).
        let varianceSample: Double?
        let stdPopulation: Double
        /// nil when count < 2.
        let stdSample: Double?
        let q1: Double
        let q3: Double
        let range: Double
        let iqr: Double
    }

    // MARK: - Sums and means

    /// Neumaier-compensated sum of `xs` as is (no scaling): may be ±inf or NaN if a partial sum
    /// overflows. Callers that can meet huge values use the scaled helpers below.
    static func compensatedSum(_ xs: [Double]) -> Double {
        var sum = 0.0
        var compensation = 0.0
        for x in xs {
            let t = sum + x
            // The low-order bits lost by `sum + x` are recovered from whichever operand is larger.
            if abs(sum) >= abs(x) {
                compensation += (sum - t) + x
            } else {
                compensation += (x - t) + sum
            }
            sum = t
        }
        return sum + compensation
    }

    /// Compensated sum of `xs`; 0 for an empty array. Throws when the sum itself does not fit in
    /// a Double (a partial sum that would overflow on its own is not an error).
    static func sum(_ xs: [Double]) throws(DataProcessingError) -> Double {
        let e = scaleExponent(xs)
        let result = unscale(compensatedSum(scaled(xs, by: e)), by: e)
        guard result.isFinite else { throw .overflow("sum") }
        return result
    }

    /// Compensated sum / n, or nil for an empty array. Never overflows: the mean lies between
    /// the smallest and the largest value, and it is computed on scaled values.
    static func mean(_ xs: [Double]) -> Double? {
        guard !xs.isEmpty else { return nil }
        let e = scaleExponent(xs)
        let m = unscale(compensatedSum(scaled(xs, by: e)) / Double(xs.count), by: e)
        // Rounding can put the mean a hair outside [min, max] (e.g. all values equal); clamping
        // keeps the obvious identities, such as mean == value for a constant sample.
        return Swift.min(Swift.max(m, xs.min()!), xs.max()!)
    }

    // MARK: - Summary

    /// Everything `statistics` reports. Throws `dataEmpty` for an empty array and an overflow
    /// error when the sum, the variance, the range or the IQR does not fit in a Double.
    static func summary(_ xs: [Double]) throws(DataProcessingError) -> Summary {
        guard !xs.isEmpty else { throw .dataEmpty }
        let n = xs.count
        let sorted = xs.sorted()
        let lo = sorted.first!
        let hi = sorted.last!

        let e = scaleExponent(xs)
        let s = scaled(xs, by: e)
        let scaledSum = compensatedSum(s)
        let sum = unscale(scaledSum, by: e)
        guard sum.isFinite else { throw .overflow("sum") }
        let mean = Swift.min(Swift.max(unscale(scaledSum / Double(n), by: e), lo), hi)

        // Sum of squared deviations, in scaled units. A constant sample has exactly zero
        // spread; computing it would leave rounding noise around the (rounded) mean.
        let m2 = lo == hi ? 0 : centeredSumOfSquares(s, mean: scaledSum / Double(n))
        let variancePopulation = unscale(m2 / Double(n), by: 2 * e)
        let varianceSample = n < 2 ? nil : unscale(m2 / Double(n - 1), by: 2 * e)
        guard variancePopulation.isFinite, varianceSample?.isFinite ?? true else {
            throw .overflow("variance")
        }
        // The standard deviations come from the scaled variance, so they stay exact-to-rounding
        // even for data whose squared deviations would underflow unscaled.
        let stdPopulation = unscale((m2 / Double(n)).squareRoot(), by: e)
        let stdSample = n < 2 ? nil : unscale((m2 / Double(n - 1)).squareRoot(), by: e)

        let q1 = quantile(sorted: sorted, 0.25)
        let q3 = quantile(sorted: sorted, 0.75)
        let range = hi - lo
        guard range.isFinite else { throw .overflow("range") }
        let iqr = q3 - q1
        guard iqr.isFinite else { throw .overflow("interquartile range") }

        return Summary(
            count: n, sum: sum, mean: mean, median: quantile(sorted: sorted, 0.5),
            min: lo, max: hi,
            variancePopulation: variancePopulation, varianceSample: varianceSample,
            stdPopulation: stdPopulation, stdSample: stdSample,
            q1: q1, q3: q3, range: range, iqr: iqr)
    }

    /// Σ(x - mean)² − (Σ(x - mean))² / n with compensated sums. The second term is zero in
    /// exact arithmetic; in floating point it removes the error from rounding the mean.
    /// Values must already be scaled (magnitudes below 2), so no square can overflow.
    static func centeredSumOfSquares(_ xs: [Double], mean: Double) -> Double {
        let deviations = xs.map { $0 - mean }
        let squares = compensatedSum(deviations.map { $0 * $0 })
        let correction = compensatedSum(deviations)
        return Swift.max(0, squares - correction * correction / Double(xs.count))
    }

    // MARK: - Quantiles

    /// The `p` quantile (0...1) of a non-empty ascending array, interpolated linearly between
    /// the order statistics at rank (n - 1)·p: Hyndman–Fan type 7, numpy's default.
    /// Uses numpy's `_lerp` (a + (b - a)·t, or b - (b - a)·(1 - t) from t = 0.5 on) so values
    /// match numpy to the last bit or two; falls back to a weighted mean when b - a overflows.
    static func quantile(sorted: [Double], _ p: Double) -> Double {
        let h = Double(sorted.count - 1) * p
        let lower = Int(h.rounded(.down))
        let upper = Swift.min(lower + 1, sorted.count - 1)
        let t = h - Double(lower)
        let a = sorted[lower]
        let b = sorted[upper]
        if a == b || t == 0 { return a }
        let diff = b - a
        guard diff.isFinite else { return a * (1 - t) + b * t }
        return t >= 0.5 ? b - diff * (1 - t) : a + diff * t
    }

    // MARK: - Power-of-two scaling

    /// The exponent e such that the largest magnitude in `xs` times 2^-e lies in [1, 2);
    /// 0 for an empty or all-zero array.
    static func scaleExponent(_ xs: [Double]) -> Int {
        let largest = xs.reduce(0.0) { Swift.max($0, abs($1)) }
        guard largest > 0, largest.isFinite else { return 0 }
        return Int(largest.exponent)
    }

    /// `xs` times 2^-e. Exact except for values so much smaller than the largest that they fall
    /// below the normal range, where they could not change a sum at double precision anyway.
    static func scaled(_ xs: [Double], by e: Int) -> [Double] {
        e == 0 ? xs : xs.map { Double(sign: .plus, exponent: -e, significand: $0) }
    }

    /// `x` times 2^e (±inf when the result is beyond the range of a Double).
    static func unscale(_ x: Double, by e: Int) -> Double {
        e == 0 ? x : Double(sign: .plus, exponent: e, significand: x)
    }
}
