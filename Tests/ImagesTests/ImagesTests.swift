import Synchronization
import Testing

@testable import Images

/// A 3x2 RGB PNG: red, green, blue / (10,20,30), (40,50,60), (70,80,90), written by Pillow.
let tinyPNG: [UInt8] = [
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x03,
    0x00, 0x00, 0x00, 0x02, 0x08, 0x02, 0x00, 0x00, 0x00, 0x12, 0x16, 0xF1, 0x4D, 0x00, 0x00, 0x00, 0x18, 0x49, 0x44, 0x41,
    0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xC0, 0xF0, 0x9F, 0x81, 0x81, 0xE1, 0x3F, 0x23, 0x97, 0x88, 0x1C, 0x04, 0x00,
    0x00, 0x31, 0x33, 0x03, 0xEF, 0x9E, 0xD3, 0xA8, 0x23, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60,
    0x82,
]

@Suite struct ImageFormatTests {
    @Test func loaderFamilies() {
        #expect(ImageFormat.forLoader("VipsForeignLoadPngBuffer") == .png)
        #expect(ImageFormat.forLoader("VipsForeignLoadNsgifBuffer") == .gif)
        #expect(ImageFormat.forLoader("jpegload_buffer") == .jpeg)
        #expect(ImageFormat.forLoader("VipsForeignLoadSvgBuffer") == nil)
        #expect(ImageFormat.loaderFamily("VipsForeignLoadPdfBuffer") == "pdf")
        #expect(ImageFormat.loaderFamily("VipsForeignLoadMagickBuffer") == "magick")
    }

    @Test func sniffNamesRefusedFormats() {
        #expect(ImageFormat.sniff(Array("%PDF-1.7".utf8)) == "pdf")
        #expect(ImageFormat.sniff(Array("<?xml version='1.0'?><svg>".utf8)) == "svg")
        #expect(ImageFormat.sniff([0x42, 0x4D, 0, 0]) == "bmp")
    }
}

@Suite struct GeometryTests {
    @Test func gravityOffsets() {
        #expect(Gravity.centre.offset(inner: 10, outer: 30, horizontal: true) == 10)
        #expect(Gravity.southEast.offset(inner: 10, outer: 30, horizontal: true) == 20)
        #expect(Gravity.southEast.offset(inner: 10, outer: 30, horizontal: false) == 20)
        #expect(Gravity.northWest.offset(inner: 10, outer: 30, horizontal: false) == 0)
        #expect(Gravity(name: "center") == .centre)
        #expect(Gravity(name: "south_west") == .southWest)
    }
}

@Suite struct ErrorTests {
    @Test func descriptionsStartWithACodeAndNameTheLimit() {
        #expect(ImageError.tooManyPixels(width: 30000, height: 30000, limitMegapixels: 50).description
            == "too_large: 30000x30000 is 900 megapixels, maxMegapixels is 50")
        #expect(ImageError.tooLargeInput(bytes: 10, limit: 5).description == "too_large: input is 10 bytes, maxInputBytes is 5")
        #expect(ImageError.unsupportedFormat(detected: "svg").description.hasPrefix("unsupported_format: svg is not an allowed"))
    }
}

@Suite struct HashTests {
    @Test func dhashOfAHorizontalRamp() {
        let ramp = (0..<8).flatMap { _ in (0..<9).map { UInt8($0 * 20) } }
        #expect(PerceptualHash.hex(PerceptualHash.dhash(grey9x8: ramp)) == "ffffffffffffffff")
        #expect(PerceptualHash.dhash(grey9x8: [UInt8](repeating: 7, count: 72)) == 0)
    }

    @Test func phashIsStableUnderBrightnessShift() {
        // Noise, not a ramp: a separable ramp has exact-zero coefficients whose sign then flips on rounding.
        var random = SplitMix64(seed: 42)
        let pattern: [UInt8] = (0..<1024).map { _ in UInt8(random.next() % 200) }
        let brighter = pattern.map { $0 + 20 }
        #expect(PerceptualHash.phash(grey32x32: pattern) == PerceptualHash.phash(grey32x32: brighter))
    }

    @Test func splitMixIsDeterministic() {
        var a = SplitMix64(seed: 1), b = SplitMix64(seed: 1)
        #expect((0..<5).map { _ in a.next() } == (0..<5).map { _ in b.next() })
    }
}

@Suite struct ImageTests {
    @Test func loadsHeaderAndPixels() throws {
        let image = try Image.load(tinyPNG)
        #expect(image.width == 3 && image.height == 2 && image.bands == 3 && image.sourceFormat == .png)
        #expect(try image.pixels() == [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 40, 50, 60, 70, 80, 90])
    }

    @Test func headerLimitRefusesBeforeDecoding() {
        #expect(throws: ImageError.tooManyPixels(width: 3, height: 2, limitMegapixels: 0.000005)) {
            try Image.load(tinyPNG, limits: ImageLimits(maxMegapixels: 0.000005))
        }
        #expect(throws: ImageError.tooLargeInput(bytes: 81, limit: 80)) {
            try Image.load(tinyPNG, limits: ImageLimits(maxInputBytes: 80))
        }
    }

    @Test func svgIsRefused() {
        #expect(throws: ImageError.unsupportedFormat(detected: "svg")) {
            try Image.load(Array("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1\" height=\"1\"/>".utf8))
        }
    }

    @Test func flopAndRoundTrip() throws {
        let flopped = try Image.load(tinyPNG, access: .random).flop()
        let png = try flopped.encode(format: .png)
        #expect(try Image.load(png).pixels() == [0, 0, 255, 0, 255, 0, 255, 0, 0, 70, 80, 90, 40, 50, 60, 10, 20, 30])
    }

    @Test func statisticsArePopulationStatistics() throws {
        let stats = try ImageAnalysis.statistics(try Image.load(tinyPNG, access: .random))
        let red: [Double] = [255, 0, 0, 10, 40, 70]
        let mean = red.reduce(0, +) / 6
        let variance = red.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 6
        #expect(abs(stats[0].mean - mean) < 1e-9)
        #expect(abs(stats[0].stdev - variance.squareRoot()) < 1e-9)
        #expect(stats[0].min == 0 && stats[0].max == 255)
    }
}

@Suite struct CancellationTests {
    /// The tiny PNG grown to 2000x2000 and blurred: long enough that a stop asked for at the first
    /// progress report is seen before the end.
    private func longPipeline() throws -> Image {
        let limits = ImageLimits(maxOutputDimension: 8000)
        return try Image.load(tinyPNG, limits: limits)
            .resize(ResizeOptions(width: 2000, height: 2000, fit: .fill, kernel: .nearest))
            .apply(.blur(sigma: 8))
    }

    @Test func anEncodeStopsWhenAsked() throws {
        let asked = Counter()
        #expect(throws: ImageError.cancelled) {
            _ = try longPipeline().encode(format: .png, shouldStop: { asked.increment(); return true })
        }
        #expect(asked.value > 0)
    }

    @Test func anEncodeThatIsNotStoppedFinishes() throws {
        let asked = Counter()
        let bytes = try longPipeline().encode(format: .jpeg, shouldStop: { asked.increment(); return false })
        #expect(bytes.starts(with: [0xFF, 0xD8]))
        #expect(asked.value > 0)
        // The image can be encoded again afterwards: the watch is gone.
        #expect(try longPipeline().encode(format: .jpeg).starts(with: [0xFF, 0xD8]))
    }
}

/// Counts calls from libvips' threads.
private final class Counter: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}

@Suite struct ShrinkOnLoadTests {
    /// The largest JPEG DCT scale whose output still covers the box: both sides for a crop, one for a fit.
    @Test func jpegShrinkCoversTheBox() {
        #expect(Image.jpegShrink(from: (2717, 3701), to: (256, 256), cropping: false) == 8)   // 340x463 covers 256
        #expect(Image.jpegShrink(from: (2717, 3701), to: (1024, 1024), cropping: false) == 2)  // 1359x1851
        #expect(Image.jpegShrink(from: (2717, 3701), to: (1024, 1024), cropping: true) == 2)   // 1359 wide covers 1024
        #expect(Image.jpegShrink(from: (4000, 1000), to: (300, 300), cropping: true) == 2)     // 500 high: 1/4 would be 250
        #expect(Image.jpegShrink(from: (4000, 1000), to: (300, 300), cropping: false) == 8)
        #expect(Image.jpegShrink(from: (640, 427), to: (400, 400), cropping: false) == 1)
    }
}
