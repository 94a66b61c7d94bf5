internal import CVips

extension Image {
    /// Encodes the pipeline: this is where pixels are actually decoded and processed.
    /// - Parameters:
    ///   - format: the output format; `nil` keeps the input's.
    ///   - quality: 1-100 for jpeg, webp, heif and avif (ignored by the lossless formats).
    ///   - stripMetadata: drop EXIF, XMP and ICC (the default: metadata leaks location and device).
    /// - Throws: `unsupportedOutput` when this build has no encoder; `corrupt` when the input's pixels are damaged.
    public func encode(format: ImageFormat? = nil, quality: Int = 80, stripMetadata: Bool = true) throws(ImageError) -> [UInt8] {
        let format = format ?? self.sourceFormat
        guard (1...100).contains(quality) else { throw .invalidArgument("quality must be within 1-100, got \(quality)") }
        guard uvw_vips_saver_available(format.rawValue) != 0 else { throw .unsupportedOutput(format: format.rawValue) }
        try self.limits.checkOutput(width: self.width, height: self.height)
        var buffer: UnsafeMutableRawPointer?
        var length = 0
        guard uvw_vips_save(self.pointer, format.rawValue, Int32(quality), stripMetadata ? 1 : 0, &buffer, &length) == 0,
              let buffer else {
            let error = Vips.error(operation: "encode \(format.rawValue)")
            // libheif builds without an AV1 (or HEVC) encoder fail only here.
            if case let .failed(_, detail) = error, detail.contains("heif"), detail.lowercased().contains("encod") {
                throw .unsupportedOutput(format: format.rawValue)
            }
            throw error
        }
        defer { uvw_vips_free(buffer) }
        return [UInt8](UnsafeRawBufferPointer(start: buffer, count: length))
    }

    /// The decoded pixels, band-interleaved and row-major, in the image's band format.
    func pixels() throws(ImageError) -> [UInt8] {
        var length = 0
        guard let buffer = uvw_vips_pixels(self.pointer, &length) else { throw Vips.error(operation: "decode") }
        defer { uvw_vips_free(buffer) }
        return [UInt8](UnsafeRawBufferPointer(start: buffer, count: length))
    }
}
