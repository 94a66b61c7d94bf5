internal import CVips

/// What `analyze` reports about an image. Statistics and the histogram are over the decoded pixels as stored
/// (before any EXIF rotation, which does not change them); colours, sharpness and hashes are over the upright image.
public struct ImageAnalysis: Sendable {
    public var width: Int
    public var height: Int
    public var bands: Int
    /// The input format (the allowed loader that read it).
    public var format: ImageFormat
    /// libvips' interpretation: "srgb", "b-w", "cmyk", "rgb16"...
    public var colourSpace: String
    public var hasAlpha: Bool
    public var bitDepth: Int
    public var orientation: Int
    public var dpi: (x: Double, y: Double)
    public var pageCount: Int
    public var animated: Bool { self.pageCount > 1 }
    public var hasEXIF: Bool
    public var hasXMP: Bool
    public var hasICC: Bool
    /// Camera fields found in the EXIF block, by tag name ("Make", "Model", "DateTimeOriginal"...).
    public var exif: [(tag: String, value: String)]
    /// One entry per band, alpha included.
    public var stats: [BandStatistics]
    /// Per band, `bins` counts over the 8-bit values (value * bins / 256).
    public var histogram: [[Int]]
    public var dominantColours: [DominantColour]
    /// Variance of the Laplacian of the greyscale image: low for blurred images, high for sharp ones.
    public var sharpness: Double
    /// 64-bit dHash and pHash as 16 hex digits.
    public var dhash: String
    public var phash: String

    /// EXIF tags reported, with the IFD libvips files them under.
    static let exifTags = [
        ("ifd0", "Make"), ("ifd0", "Model"), ("ifd0", "Software"), ("ifd0", "DateTime"), ("ifd2", "DateTimeOriginal"),
        ("ifd2", "ExposureTime"), ("ifd2", "FNumber"), ("ifd2", "ISOSpeedRatings"), ("ifd2", "FocalLength"),
    ]

    /// Analyzes an image loaded with random access (several passes read its pixels).
    /// - Parameters:
    ///   - bins: histogram bins per band (1-256).
    ///   - colours: dominant colours to find (k of k-means).
    public static func analyze(_ image: Image, bins: Int = 256, colours: Int = 5) throws(ImageError) -> ImageAnalysis {
        guard (1...256).contains(bins) else { throw .invalidArgument("bins must be within 1-256, got \(bins)") }
        guard (1...16).contains(colours) else { throw .invalidArgument("colours must be within 1-16, got \(colours)") }
        let upright = try image.autoOrient()
        let grey = try self.grey(upright)
        return ImageAnalysis(
            width: image.width, height: image.height, bands: image.bands, format: image.sourceFormat,
            colourSpace: image.interpretation, hasAlpha: image.hasAlpha, bitDepth: self.bitDepth(image.bandFormat),
            orientation: image.orientation, dpi: image.dpi, pageCount: image.pageCount,
            hasEXIF: image.hasField("exif-data"), hasXMP: image.hasField("xmp-data"), hasICC: image.hasField("icc-profile-data"),
            exif: self.exifFields(image), stats: try self.statistics(image), histogram: try self.histogram(image, bins: bins),
            dominantColours: try self.dominantColours(upright, count: colours), sharpness: try self.sharpness(grey: grey),
            dhash: PerceptualHash.hex(try self.dhash(grey: grey)), phash: PerceptualHash.hex(try self.phash(grey: grey))
        )
    }

    // MARK: Parts

    static func bitDepth(_ format: String) -> Int {
        switch format {
        case "uchar", "char": 8
        case "ushort", "short": 16
        case "uint", "int", "float": 32
        case "double", "complex": 64
        default: 128
        }
    }

    /// libvips renders an EXIF value as "value (value, type, n components, n bytes)": the value is kept.
    static func exifFields(_ image: Image) -> [(tag: String, value: String)] {
        guard image.hasField("exif-data") else { return [] }
        var fields: [(tag: String, value: String)] = []
        for (ifd, tag) in self.exifTags {
            guard let text = image.fieldString("exif-\(ifd)-\(tag)") else { continue }
            fields.append((tag, self.exifValue(text)))
        }
        return fields
    }

    /// The text before the last " (" of libvips' rendering.
    static func exifValue(_ text: String) -> String {
        let characters = Array(text)
        var index = characters.count - 2
        while index >= 0 {
            if characters[index] == " " && characters[index + 1] == "(" { return String(characters[..<index]) }
            index -= 1
        }
        return text
    }

    static func statistics(_ image: Image) throws(ImageError) -> [BandStatistics] {
        let bands = image.bands
        var values = [Double](repeating: 0, count: (bands + 1) * 10)
        let capacity = Int32(values.count)
        let rows = values.withUnsafeMutableBufferPointer { uvw_vips_stats(image.pointer, $0.baseAddress, capacity) }
        guard rows == bands + 1 else { throw Vips.error(operation: "stats") }
        let n = Double(image.width) * Double(image.height)
        return (0..<bands).map { band in
            let row = Array(values[((band + 1) * 10)..<((band + 2) * 10)])
            let mean = row[2] / n
            return BandStatistics(mean: mean, stdev: max(0, row[3] / n - mean * mean).squareRoot(), min: row[0], max: row[1])
        }
    }

    static func histogram(_ image: Image, bins: Int) throws(ImageError) -> [[Int]] {
        let eight = try image.eightBit()
        var counts = [Double](repeating: 0, count: 256 * eight.bands)
        let capacity = Int32(counts.count)
        let written = counts.withUnsafeMutableBufferPointer { uvw_vips_hist_find(eight.pointer, -1, $0.baseAddress, capacity) }
        guard written == counts.count else { throw Vips.error(operation: "histogram") }
        // hist_find writes band-interleaved: counts[value * bands + band].
        return (0..<eight.bands).map { band in
            var grouped = [Int](repeating: 0, count: bins)
            for value in 0..<256 { grouped[value * bins / 256] += Int(counts[value * eight.bands + band]) }
            return grouped
        }
    }

    static func dominantColours(_ image: Image, count: Int) throws(ImageError) -> [DominantColour] {
        let small = try image.thumbnail(width: 100, height: 100)
        let rgb = try small.srgb()
        var alpha: [UInt8]?
        var colour = rgb
        if rgb.hasAlpha {
            let alphaBand = Int32(rgb.bands - 1)
            alpha = try rgb.derive("colours") { uvw_vips_extract_band(rgb.pointer, alphaBand, 1, $0) }.pixels()
            colour = try rgb.derive("colours") { uvw_vips_extract_band(rgb.pointer, 0, 3, $0) }
        }
        return ColourClustering.dominantColours(rgb: try colour.pixels(), alpha: alpha, count: count)
    }

    /// Greyscale, 8 bits, without alpha.
    static func grey(_ image: Image) throws(ImageError) -> Image {
        let grey = try image.apply(.grayscale).eightBit()
        guard grey.bands > 1 else { return grey }
        return try grey.derive("grey") { uvw_vips_extract_band(grey.pointer, 0, 1, $0) }
    }

    /// Over `grey` (from `grey(_:)`).
    static func sharpness(grey: Image) throws(ImageError) -> Double {
        let laplacian: [Double] = [0, 1, 0, 1, -4, 1, 0, 1, 0]
        let edges = try grey.derive("sharpness") { uvw_vips_conv(grey.pointer, laplacian, 3, 3, $0) }
        guard let stats = try self.statistics(edges).first else { return 0 }
        return stats.stdev * stats.stdev
    }

    static func dhash(grey: Image) throws(ImageError) -> UInt64 {
        PerceptualHash.dhash(grey9x8: try grey.resized(width: 9, height: 8).pixels())
    }

    static func phash(grey: Image) throws(ImageError) -> UInt64 {
        PerceptualHash.phash(grey32x32: try grey.resized(width: 32, height: 32).pixels())
    }
}
