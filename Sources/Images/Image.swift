internal import CVips

/// A libvips image: a lazy pipeline whose pixels are computed when something reads them (encode, stats).
/// Each operation returns a new `Image` that keeps its inputs alive through libvips' own references.
/// Not `Sendable`: a pipeline is built and run by one task.
public final class Image {
    /// Owned: one GObject reference, released in `deinit`.
    let pointer: OpaquePointer
    /// The limits the source was loaded under; every derived image checks its output size against them.
    public let limits: ImageLimits
    /// The allowed loader that read the source.
    public let sourceFormat: ImageFormat

    init(pointer: OpaquePointer, limits: ImageLimits, sourceFormat: ImageFormat) {
        self.pointer = pointer
        self.limits = limits
        self.sourceFormat = sourceFormat
    }

    deinit { uvw_vips_unref(self.pointer) }

    /// How the loader reads pixels. `sequential` is one top-to-bottom pass with a small window of rows in
    /// memory; `random` lets steps read the pixels more than once at the cost of decoding the whole image into
    /// memory. Needed for smart crops (entropy, attention: the image is searched, then cut) and for reading one
    /// image twice (analysis). Flips and rotations work on sequential input (libvips buffers them itself).
    public enum Access: Sendable { case sequential, random }

    // MARK: Loading

    /// Initialises libvips and its hardening (blocked loaders, no operation cache) ahead of the first task, which
    /// would otherwise pay for it (about 30 ms: libvips loads its format modules). Safe to call more than once.
    public static func prepare(concurrency: Int = 1) throws(ImageError) {
        try Vips.setup(concurrency: concurrency)
    }

    /// Reads the header of untrusted bytes and checks every input limit; pixels are decoded later, by the steps.
    /// - Parameters:
    ///   - bytes: the encoded image.
    ///   - limits: input and output caps.
    ///   - access: `.sequential` unless a step needs random access.
    ///   - page: the frame of an animated or multi-page input (0 is the first); only for inputs whose
    ///     `pageCount` is above 1, since single-page loaders have no `page` option and refuse it.
    /// - Throws: `ImageError` naming the limit, or `unsupportedFormat` for anything off the allowlist.
    public static func load(_ bytes: [UInt8], limits: ImageLimits = ImageLimits(), access: Access = .sequential,
                            page: Int = 0) throws(ImageError) -> Image {
        try self.load(bytes, limits: limits, access: access, page: page, jpegShrink: 1)
    }

    /// `jpegShrink` (2, 4, 8) decodes a JPEG at that fraction of its size.
    private static func load(_ bytes: [UInt8], limits: ImageLimits, access: Access, page: Int,
                             jpegShrink: Int) throws(ImageError) -> Image {
        let format = try self.checkedFormat(bytes, limits: limits)
        var out: OpaquePointer?
        let status = bytes.withUnsafeBytes { raw in
            uvw_vips_load(raw.baseAddress, raw.count, access == .sequential ? 1 : 0, limits.strictDecoding ? 1 : 0, Int32(page),
                          Int32(format == .jpeg ? jpegShrink : 1), &out)
        }
        guard status == 0, let out else { throw .corrupt(detail: Vips.takeError()) }
        let image = Image(pointer: out, limits: limits, sourceFormat: format)
        try image.checkHeader()
        return image
    }

    /// libvips' shrink-on-load thumbnail: JPEG and WebP decode at a fraction of their size, so this is the fast
    /// path for previews. The header is checked by a plain load first, so a bomb is refused before it runs.
    /// - Parameters:
    ///   - crop: `nil` keeps the aspect ratio inside `width` x `height`; otherwise the box is filled and cropped.
    ///   - fastShrinkOnLoad: JPEG only: decode at the largest DCT fraction that still covers the box, as
    ///     sharp's `fastShrinkOnLoad` (its default) and Pillow's `draft()` do. About 1.5x faster; a little
    ///     softer (about 1.5 dB less PSNR against a full-resolution Lanczos). Off, libvips keeps another
    ///     factor of two for its reducer, as Pillow's `thumbnail()` does with its `reducing_gap`.
    public static func thumbnail(_ bytes: [UInt8], width: Int, height: Int, crop: CropStrategy? = nil,
                                 limits: ImageLimits = ImageLimits(), fastShrinkOnLoad: Bool = true) throws(ImageError) -> Image {
        let header = try self.load(bytes, limits: limits)
        try limits.checkOutput(width: width, height: height)
        let shrink = fastShrinkOnLoad && header.sourceFormat == .jpeg && header.pageCount == 1
            ? self.jpegShrink(from: header.orientation >= 5 ? (header.height, header.width) : (header.width, header.height),
                              to: (width, height), cropping: crop != nil)
            : 1
        if shrink > 1 {
            let shrunk = try self.load(bytes, limits: limits, access: crop?.isSmart == true ? .random : .sequential, page: 0,
                                       jpegShrink: shrink)
            // thumbnail_image applies the EXIF orientation too.
            return try shrunk.thumbnail(width: width, height: height, crop: crop)
        }
        var out: OpaquePointer?
        let status = bytes.withUnsafeBytes { raw in
            uvw_vips_thumbnail_buffer(raw.baseAddress, raw.count, Int32(width), Int32(height), crop?.vipsName, "both",
                                      limits.strictDecoding ? 1 : 0, &out)
        }
        guard status == 0, let out else { throw Vips.error(operation: "thumbnail") }
        return Image(pointer: out, limits: limits, sourceFormat: header.sourceFormat)
    }

    /// The JPEG DCT scale (1, 2, 4, 8) for a `target` box: the largest whose output still covers the box
    /// (each side at least the box's for a crop, one side for a fit inside), so the reducer only shrinks.
    static func jpegShrink(from source: (width: Int, height: Int), to target: (width: Int, height: Int), cropping: Bool) -> Int {
        let sx = Double(source.width) / Double(max(1, target.width)), sy = Double(source.height) / Double(max(1, target.height))
        let factor = cropping ? min(sx, sy) : max(sx, sy)
        return factor >= 8 ? 8 : factor >= 4 ? 4 : factor >= 2 ? 2 : 1
    }

    /// Size, allowlist and libvips setup, before libvips parses anything but the magic bytes.
    private static func checkedFormat(_ bytes: [UInt8], limits: ImageLimits) throws(ImageError) -> ImageFormat {
        if bytes.isEmpty { throw .emptyInput }
        if bytes.count > limits.maxInputBytes { throw .tooLargeInput(bytes: bytes.count, limit: limits.maxInputBytes) }
        try Vips.setup(concurrency: limits.concurrency)
        let loader = bytes.withUnsafeBytes { raw in uvw_vips_find_loader(raw.baseAddress, raw.count) }
        guard let loader else { throw .unsupportedFormat(detected: ImageFormat.sniff(bytes)) }
        let name = String(cString: loader)
        guard let format = ImageFormat.forLoader(name) else {
            throw .unsupportedFormat(detected: ImageFormat.loaderFamily(name))
        }
        return format
    }

    /// The decompression-bomb check: header fields only.
    private func checkHeader() throws(ImageError) {
        let width = self.width, height = self.height
        if Double(width) * Double(height) > self.limits.maxMegapixels * 1_000_000 {
            throw .tooManyPixels(width: width, height: height, limitMegapixels: self.limits.maxMegapixels)
        }
        if self.pageCount > self.limits.maxFrames { throw .tooManyFrames(count: self.pageCount, limit: self.limits.maxFrames) }
    }

    // MARK: Header

    public var width: Int { Int(uvw_vips_width(self.pointer)) }
    public var height: Int { Int(uvw_vips_height(self.pointer)) }
    public var bands: Int { Int(uvw_vips_bands(self.pointer)) }
    /// libvips' band format nickname: "uchar", "ushort", "float"...
    public var bandFormat: String { String(cString: uvw_vips_format(self.pointer)) }
    /// libvips' interpretation nickname: "srgb", "b-w", "cmyk", "rgb16"...
    public var interpretation: String { String(cString: uvw_vips_interpretation(self.pointer)) }
    public var hasAlpha: Bool { uvw_vips_has_alpha(self.pointer) != 0 }
    /// Frames declared by the header (1 for still images).
    public var pageCount: Int { max(1, Int(uvw_vips_n_pages(self.pointer))) }
    /// EXIF orientation 1-8; 1 when the file has none.
    public var orientation: Int { Int(uvw_vips_orientation(self.pointer)) }
    /// Resolution in dots per inch (libvips stores pixels per millimetre).
    public var dpi: (x: Double, y: Double) { (uvw_vips_xres(self.pointer) * 25.4, uvw_vips_yres(self.pointer) * 25.4) }

    func hasField(_ name: String) -> Bool { uvw_vips_has_field(self.pointer, name) != 0 }

    /// A metadata field as text (EXIF tags read as "value (description)"), or nil.
    func fieldString(_ name: String) -> String? {
        guard let value = uvw_vips_field_string(self.pointer, name) else { return nil }
        defer { uvw_vips_free(value) }
        return String(cString: value)
    }

    // MARK: Steps

    /// Runs one libvips operation producing a new image. `operation` names the step in errors.
    func derive(_ operation: String, _ body: (UnsafeMutablePointer<OpaquePointer?>) -> Int32) throws(ImageError) -> Image {
        var out: OpaquePointer?
        guard body(&out) == 0, let out else { throw Vips.error(operation: operation) }
        let image = Image(pointer: out, limits: self.limits, sourceFormat: self.sourceFormat)
        try self.limits.checkOutput(width: image.width, height: image.height)
        return image
    }
}
