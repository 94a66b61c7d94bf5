#if canImport(Glibc)
import Glibc
#endif

/// 64-bit perceptual hashes over greyscale pixels, laid out as the `imagehash` Python package does (row-major,
/// first bit most significant), so hashes can be compared across tools by Hamming distance.
enum PerceptualHash {
    /// dHash: 9x8 pixels, one bit per horizontal neighbour pair, set where brightness increases to the right.
    static func dhash(grey9x8 pixels: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0
        for y in 0..<8 {
            for x in 0..<8 {
                hash = hash << 1 | (pixels[y * 9 + x + 1] > pixels[y * 9 + x] ? 1 : 0)
            }
        }
        return hash
    }

    /// pHash: the 8x8 lowest frequencies of a 32x32 DCT-II, one bit per coefficient above their median.
    static func phash(grey32x32 pixels: [UInt8]) -> UInt64 {
        let n = 32
        var cosines = [Double](repeating: 0, count: n * n)
        for k in 0..<n { for i in 0..<n { cosines[k * n + i] = cos(Double.pi * Double(k) * (2 * Double(i) + 1) / Double(2 * n)) } }
        // Columns first (scipy's dct along axis 0), then rows: only the 8 lowest frequencies of each are needed.
        var columns = [Double](repeating: 0, count: 8 * n)
        for k in 0..<8 {
            for x in 0..<n {
                var sum = 0.0
                for y in 0..<n { sum += Double(pixels[y * n + x]) * cosines[k * n + y] }
                columns[k * n + x] = sum
            }
        }
        var low = [Double](repeating: 0, count: 64)
        for k in 0..<8 {
            for l in 0..<8 {
                var sum = 0.0
                for x in 0..<n { sum += columns[k * n + x] * cosines[l * n + x] }
                low[k * 8 + l] = sum
            }
        }
        let sorted = low.sorted()
        let median = (sorted[31] + sorted[32]) / 2
        return low.reduce(UInt64(0)) { $0 << 1 | ($1 > median ? 1 : 0) }
    }

    static func hex(_ hash: UInt64) -> String {
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
