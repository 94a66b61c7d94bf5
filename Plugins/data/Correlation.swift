/// Correlation coefficients on paired `[Double]` samples: pure functions, no parameter handling.
///
/// Callers pass two arrays of equal length n ≥ 2 with finite values. A coefficient is nil when
/// it is undefined, i.e. when x or y has zero variance (all its values equal), never NaN.
enum Correlation {
    /// Pearson's r, or nil when x or y is constant.
    ///
    /// r is invariant under scaling x and y by positive factors, so each is scaled by a power of
    /// two into [1, 2) magnitude first (exact): the products and squares below then cannot
    /// overflow or underflow, whatever the magnitude of the data. Sums are compensated and
    /// centred on the compensated mean (corrected two-pass), and r is clamped to [-1, 1]
    /// because rounding can push |r| a hair above 1 for perfectly linear data.
    static func pearson(_ x: [Double], _ y: [Double]) -> Double? {
        precondition(x.count == y.count && x.count >= 2, "pearson needs two equal-length samples of 2 or more")
        if isConstant(x) || isConstant(y) { return nil }
        let sx = Statistics.scaled(x, by: Statistics.scaleExponent(x))
        let sy = Statistics.scaled(y, by: Statistics.scaleExponent(y))
        let n = Double(x.count)
        let mx = Statistics.compensatedSum(sx) / n
        let my = Statistics.compensatedSum(sy) / n
        let dx = sx.map { $0 - mx }
        let dy = sy.map { $0 - my }
        let sumDx = Statistics.compensatedSum(dx)
        let sumDy = Statistics.compensatedSum(dy)
        let sxx = Statistics.compensatedSum(dx.map { $0 * $0 }) - sumDx * sumDx / n
        let syy = Statistics.compensatedSum(dy.map { $0 * $0 }) - sumDy * sumDy / n
        let sxy = Statistics.compensatedSum(zip(dx, dy).map { $0 * $1 }) - sumDx * sumDy / n
        // Non-constant data has a positive spread; guard anyway rather than divide by zero.
        guard sxx > 0, syy > 0 else { return nil }
        let r = sxy / (sxx.squareRoot() * syy.squareRoot())
        return Swift.min(1, Swift.max(-1, r))
    }

    /// Spearman's rho: Pearson's r of the average ranks (tied values share the mean of the
    /// ranks they span), which is what scipy.stats.spearmanr computes. nil when x or y is
    /// constant (then all its ranks are equal).
    static func spearman(_ x: [Double], _ y: [Double]) -> Double? {
        pearson(averageRanks(x), averageRanks(y))
    }

    /// 1-based ranks of `xs`, ties getting the average of their ranks
    /// (e.g. [10, 20, 20, 30] → [1, 2.5, 2.5, 4]).
    static func averageRanks(_ xs: [Double]) -> [Double] {
        let order = xs.indices.sorted { xs[$0] < xs[$1] }
        var ranks = [Double](repeating: 0, count: xs.count)
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count, xs[order[end + 1]] == xs[order[start]] { end += 1 }
            // Positions start...end (0-based) hold equal values: ranks start+1 ... end+1.
            let rank = Double(start + end + 2) / 2
            for k in start...end { ranks[order[k]] = rank }
            start = end + 1
        }
        return ranks
    }

    /// True when every value equals the first, i.e. the sample has zero variance. Tested on the
    /// values rather than on a computed variance, which rounding can leave slightly above 0.
    static func isConstant(_ xs: [Double]) -> Bool {
        guard let first = xs.first else { return true }
        return xs.allSatisfy { $0 == first }
    }
}
