#if canImport(Glibc)
import Glibc
#endif

/// k-means over pixels in CIE Lab (D65), where Euclidean distance roughly follows perceived difference, so
/// clusters match what a person calls "the main colours" better than clustering in RGB does. Seeding is
/// k-means++ with a fixed-seed generator: the same image always gives the same colours.
enum ColourClustering {
    static func dominantColours(rgb: [UInt8], alpha: [UInt8]?, count k: Int, iterations: Int = 20) -> [DominantColour] {
        var points = [(Double, Double, Double)]()
        points.reserveCapacity(rgb.count / 3)
        for index in 0..<(rgb.count / 3) {
            // Mostly transparent pixels are not part of what the image shows.
            if let alpha, alpha[index] < 128 { continue }
            points.append(self.lab(rgb[3 * index], rgb[3 * index + 1], rgb[3 * index + 2]))
        }
        guard !points.isEmpty, k > 0 else { return [] }
        var centres = self.seeds(points, k: min(k, points.count))
        var assignment = [Int](repeating: 0, count: points.count)
        for _ in 0..<iterations {
            var changed = false
            for (i, p) in points.enumerated() {
                let nearest = self.nearest(p, centres)
                if nearest != assignment[i] { assignment[i] = nearest; changed = true }
            }
            var sums = [(Double, Double, Double, Int)](repeating: (0, 0, 0, 0), count: centres.count)
            for (i, p) in points.enumerated() {
                let c = assignment[i]
                sums[c] = (sums[c].0 + p.0, sums[c].1 + p.1, sums[c].2 + p.2, sums[c].3 + 1)
            }
            for c in centres.indices where sums[c].3 > 0 {
                let n = Double(sums[c].3)
                centres[c] = (sums[c].0 / n, sums[c].1 / n, sums[c].2 / n)
            }
            if !changed { break }
        }
        var counts = [Int](repeating: 0, count: centres.count)
        for c in assignment { counts[c] += 1 }
        return centres.indices.filter { counts[$0] > 0 }.map { c in
            let (r, g, b) = self.rgb(centres[c])
            return DominantColour(red: r, green: g, blue: b, share: Double(counts[c]) / Double(points.count))
        }.sorted { $0.share != $1.share ? $0.share > $1.share : $0.hex < $1.hex }
    }

    private static func distance(_ a: (Double, Double, Double), _ b: (Double, Double, Double)) -> Double {
        let d0 = a.0 - b.0, d1 = a.1 - b.1, d2 = a.2 - b.2
        return d0 * d0 + d1 * d1 + d2 * d2
    }

    private static func nearest(_ p: (Double, Double, Double), _ centres: [(Double, Double, Double)]) -> Int {
        var best = 0, bestDistance = Double.infinity
        for (c, centre) in centres.enumerated() {
            let d = self.distance(p, centre)
            if d < bestDistance { bestDistance = d; best = c }
        }
        return best
    }

    /// k-means++: each next seed drawn with probability proportional to its squared distance from the chosen ones.
    private static func seeds(_ points: [(Double, Double, Double)], k: Int) -> [(Double, Double, Double)] {
        var random = SplitMix64(seed: 0x5EED_C0105)
        var centres = [points[Int(random.next() % UInt64(points.count))]]
        var nearestDistance = points.map { self.distance($0, centres[0]) }
        while centres.count < k {
            let total = nearestDistance.reduce(0, +)
            if total == 0 { break }
            var target = Double(random.next() >> 11) / Double(1 << 53) * total
            var chosen = points.count - 1
            for (i, d) in nearestDistance.enumerated() {
                target -= d
                if target <= 0 { chosen = i; break }
            }
            centres.append(points[chosen])
            for i in points.indices { nearestDistance[i] = min(nearestDistance[i], self.distance(points[i], points[chosen])) }
        }
        return centres
    }

    // MARK: sRGB <-> Lab (D65)

    private static func linear(_ value: UInt8) -> Double {
        let c = Double(value) / 255
        return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
    }

    private static func lab(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> (Double, Double, Double) {
        let rl = self.linear(r), gl = self.linear(g), bl = self.linear(b)
        let x = (0.4124 * rl + 0.3576 * gl + 0.1805 * bl) / 0.95047
        let y = 0.2126 * rl + 0.7152 * gl + 0.0722 * bl
        let z = (0.0193 * rl + 0.1192 * gl + 0.9505 * bl) / 1.08883
        func f(_ t: Double) -> Double { t > 216.0 / 24389 ? cbrt(t) : (24389.0 / 27 * t + 16) / 116 }
        let fx = f(x), fy = f(y), fz = f(z)
        return (116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz))
    }

    private static func rgb(_ lab: (Double, Double, Double)) -> (Int, Int, Int) {
        let fy = (lab.0 + 16) / 116, fx = fy + lab.1 / 500, fz = fy - lab.2 / 200
        func inverse(_ t: Double) -> Double { t * t * t > 216.0 / 24389 ? t * t * t : (116 * t - 16) * 27 / 24389 }
        let x = inverse(fx) * 0.95047, y = inverse(fy), z = inverse(fz) * 1.08883
        let rl = 3.2406 * x - 1.5372 * y - 0.4986 * z
        let gl = -0.9689 * x + 1.8758 * y + 0.0415 * z
        let bl = 0.0557 * x - 0.2040 * y + 1.0570 * z
        func encode(_ c: Double) -> Int {
            let v = c <= 0.0031308 ? 12.92 * c : 1.055 * pow(max(c, 0), 1 / 2.4) - 0.055
            return Int((min(max(v, 0), 1) * 255).rounded())
        }
        return (encode(rl), encode(gl), encode(bl))
    }
}

/// Steele, Lea and Flood's SplitMix64: tiny, fast and fully determined by its seed.
struct SplitMix64 {
    private var state: UInt64
    init(seed: UInt64) { self.state = seed }
    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
