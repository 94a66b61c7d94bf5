/// Caps applied to untrusted images. The pixel count is read from the header, so a decompression bomb
/// (a few KB of zlib or JPEG declaring 30000x30000) is refused before libvips allocates anything for it.
public struct ImageLimits: Sendable {
    /// The encoded input. Camera JPEGs are 3-15 MB; 25 MB leaves room without inviting abuse.
    public var maxInputBytes: Int
    /// Width x height of one frame, in millions, from the header. 50 MP covers current phone and DSLR sensors.
    public var maxMegapixels: Double
    /// Frames (pages) an animated or multi-page input may declare. Only one frame is decoded, but a header
    /// declaring thousands is itself a sign of a hostile file.
    public var maxFrames: Int
    /// Width or height of any image a step produces (resize targets, padding, rotation bounds).
    public var maxOutputDimension: Int
    /// Width x height of any image a step produces, in millions.
    public var maxOutputMegapixels: Double
    /// libvips worker threads for one pipeline (process-wide in libvips; the worker runs tasks in parallel instead).
    public var concurrency: Int
    /// Refuse images libjpeg/libpng only warn about (libvips' fail_on=warning, sharp's default). Off by default:
    /// with fail_on=error a JPEG with damaged entropy-coded data still decodes (to garbled blocks), as browsers do.
    public var strictDecoding: Bool

    public init(
        maxInputBytes: Int = 25 * 1024 * 1024, maxMegapixels: Double = 50, maxFrames: Int = 256,
        maxOutputDimension: Int = 16_384, maxOutputMegapixels: Double = 50, concurrency: Int = 1,
        strictDecoding: Bool = false
    ) {
        self.maxInputBytes = maxInputBytes
        self.maxMegapixels = maxMegapixels
        self.maxFrames = maxFrames
        self.maxOutputDimension = maxOutputDimension
        self.maxOutputMegapixels = maxOutputMegapixels
        self.concurrency = concurrency
        self.strictDecoding = strictDecoding
    }

    /// Throws unless a `width` x `height` output is within both output caps.
    func checkOutput(width: Int, height: Int) throws(ImageError) {
        let pixels = Double(width) * Double(height)
        if width > self.maxOutputDimension || height > self.maxOutputDimension || pixels > self.maxOutputMegapixels * 1_000_000 {
            throw .outputTooLarge(width: width, height: height, limit: self.maxOutputDimension)
        }
        if width < 1 || height < 1 {
            throw .invalidArgument("output \(width)x\(height) has no pixels")
        }
    }
}
