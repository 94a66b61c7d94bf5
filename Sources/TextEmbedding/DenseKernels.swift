import CBLAS
import Glibc

/// The dense operations of the forward pass on row-major float matrices. The GEMMs go to OpenBLAS; the
/// element-wise steps are plain loops over raw pointers (no bounds checks, no allocation, no Foundation).
enum DenseKernels {
    /// output[rows, outputs] = input[rows, inputs] · weightᵀ (+ bias), with PyTorch's [outputs, inputs] weight
    /// used in place (CblasTrans). With a bias, it is written first so the GEMM adds onto it (beta = 1);
    /// callers that pass nil add the bias in their next pass over the output instead.
    static func linear(
        _ input: UnsafePointer<Float>, rows: Int, inputs: Int,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, outputs: Int,
        into output: UnsafeMutablePointer<Float>
    ) {
        if let bias {
            for row in 0..<rows { (output + row * outputs).update(from: bias, count: outputs) }
        }
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, CblasTrans,
            Int32(rows), Int32(outputs), Int32(inputs),
            1, input, Int32(inputs), weight, Int32(inputs),
            bias == nil ? 0 : 1, output, Int32(outputs)
        )
    }

    /// x = LayerNorm(x + residual.values + residual.bias) row by row, as in BERT's post-norm blocks (the
    /// residual branch's bias is added here rather than in its GEMM), or LayerNorm(x) without a residual.
    /// Sums run in 8 lanes so the loops vectorize.
    static func addAndNormalize(
        _ x: UnsafeMutablePointer<Float>, residual: (values: UnsafePointer<Float>, bias: UnsafePointer<Float>)?,
        rows: Int, width: Int, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, epsilon: Float
    ) {
        let scale = 1 / Float(width)
        let vectorWidth = width & ~7
        for row in 0..<rows {
            let values = x + row * width
            if let residual {
                let other = residual.values + row * width
                for i in 0..<width { values[i] += other[i] + residual.bias[i] }
            }
            let mean = sum(values, width, vectorWidth) * scale
            var squares = SIMD8<Float>()
            let center = SIMD8<Float>(repeating: mean)
            var i = 0
            while i < vectorWidth {
                let centered = load8(values + i) - center
                squares += centered * centered
                i += 8
            }
            var squareSum = squares.sum()
            while i < width { squareSum += (values[i] - mean) * (values[i] - mean); i += 1 }
            let inverseDeviation = 1 / (squareSum * scale + epsilon).squareRoot()
            for i in 0..<width { values[i] = (values[i] - mean) * inverseDeviation * weight[i] + bias[i] }
        }
    }

    @inline(__always)
    static func load8(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    static func sum(_ values: UnsafePointer<Float>, _ count: Int, _ vectorCount: Int) -> Float {
        var lanes = SIMD8<Float>()
        var i = 0
        while i < vectorCount { lanes += load8(values + i); i += 8 }
        var total = lanes.sum()
        while i < count { total += values[i]; i += 1 }
        return total
    }

    /// x = GELU(x + bias) for each row of a [rows, width] matrix: the bias of the GEMM before it, then BERT's
    /// exact GELU (not the tanh approximation): x · Φ(x) = x/2 · (1 + erf(x/√2)).
    static func addBiasAndGELU(_ x: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, rows: Int, width: Int) {
        let inverseSquareRootOfTwo: Float = 0.707_106_781_186_547_5
        for row in 0..<rows {
            let values = x + row * width
            for i in 0..<width {
                let value = values[i] + bias[i]
                values[i] = 0.5 * value * (1 + erf(value * inverseSquareRootOfTwo))
            }
        }
    }

    /// erf for Float as a rational function (Eigen's generic erf for float: odd degree-13 numerator,
    /// even degree-8 denominator, input clamped to ±4 where erf rounds to ±1). Max absolute error 4.5e-7
    /// against the exact erf over [-6, 6] (checked in numpy over 2M points); unlike a call to glibc's
    /// erff the loop above vectorizes: 1.5 ns instead of 14 ns per value here, and GELU runs on every FFN value.
    @inline(__always)
    static func erf(_ value: Float) -> Float {
        let x = min(max(value, -4), 4)
        let x2 = x * x
        var p: Float = -2.72614225801306e-10
        p = p * x2 + 2.77068142495902e-08
        p = p * x2 - 2.10102402082508e-06
        p = p * x2 - 5.69250639462346e-05
        p = p * x2 - 7.34990630326855e-04
        p = p * x2 - 2.95459980854025e-03
        p = p * x2 - 1.60960333262415e-02
        var q: Float = -1.45660718464996e-05
        q = q * x2 - 2.13374055278905e-04
        q = q * x2 - 1.68282697438203e-03
        q = q * x2 - 7.37332916720468e-03
        q = q * x2 - 1.42647390514189e-02
        return x * p / q
    }

    /// In-place softmax of each row of a [rows, width] matrix (row stride `stride`).
    static func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, stride: Int) {
        // Separate passes, reductions in 8 lanes: a float sum or max in the exp loop would keep it scalar.
        let vectorWidth = width & ~7
        for row in 0..<rows {
            let values = x + row * stride
            var lanes = SIMD8<Float>(repeating: -.infinity)
            var i = 0
            while i < vectorWidth {
                let next = load8(values + i)
                lanes.replace(with: next, where: next .> lanes)
                i += 8
            }
            var maximum = lanes.max()
            while i < width { maximum = max(maximum, values[i]); i += 1 }
            for i in 0..<width { values[i] = exp(values[i] - maximum) }
            let inverse = 1 / sum(values, width, vectorWidth)
            for i in 0..<width { values[i] *= inverse }
        }
    }

    /// e^x for the softmax's x ≤ 0, written so the loop above vectorizes (glibc's expf is a call per value).
    /// Cephes' expf: x = n·ln2 + r with |r| ≤ ln2/2, a degree-7 polynomial for e^r, 2^n built in the
    /// exponent bits. Relative error 8.3e-8 over [-87, 0] (checked in numpy); below -87 (weights under
    /// 1.7e-38, nothing next to the row maximum's weight of 1) it returns e^-87.
    @inline(__always)
    static func exp(_ value: Float) -> Float {
        let x = max(value, -87)
        // Round x / ln 2 to the nearest integer n by adding 1.5 · 2^23 (SSE2 has no vector round): n then
        // sits in the low mantissa bits of `shifted`, and integer arithmetic on those bits builds 2^n.
        let shifter: Float = 12_582_912
        let shifted = x * 1.442_695_04 + shifter
        let n = shifted - shifter
        let r = x - n * 0.693_359_375 + n * 2.121_944_4e-4
        var p: Float = 1.987_569_15e-4
        p = p * r + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        let e = p * r * r + r + 1
        return e * Float(bitPattern: (shifted.bitPattern &- shifter.bitPattern &+ 127) << 23)
    }
}
