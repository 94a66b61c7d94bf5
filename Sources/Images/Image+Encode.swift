internal import CVips

extension Image {
    /// Encodes the pipeline: this is where pixels are actually decoded and processed.
    /// - Parameters:
    ///   - format: the output format; `nil` keeps the input's.
    ///   - quality: 1-100 for jpeg, webp, heif and avif (ignored by the lossless formats).
    ///   - stripMetadata: drop EXIF, XMP and ICC (the default: metadata leaks location and device).
    ///   - shouldStop: asked from libvips' threads while the pixels are computed; true stops the work and
    ///     the encode throws `cancelled` (a task cancelled or past its deadline frees its thread in
    ///     moments instead of finishing a long pipeline).
    /// - Throws: `unsupportedOutput` when this build has no encoder; `corrupt` when the input's pixels are damaged.
    public func encode(format: ImageFormat? = nil, quality: Int = 80, stripMetadata: Bool = true,
                       shouldStop: (@Sendable () -> Bool)? = nil) throws(ImageError) -> [UInt8] {
        let format = format ?? self.sourceFormat
        guard (1...100).contains(quality) else { throw .invalidArgument("quality must be within 1-100, got \(quality)") }
        guard uvw_vips_saver_available(format.rawValue) != 0 else { throw .unsupportedOutput(format: format.rawValue) }
        try self.limits.checkOutput(width: self.width, height: self.height)
        var buffer: UnsafeMutableRawPointer?
        var length = 0
        let saved = self.watching(shouldStop) {
            uvw_vips_save(self.pointer, format.rawValue, Int32(quality), stripMetadata ? 1 : 0, &buffer, &length)
        }
        guard saved == 0, let buffer else {
            // The kill lands on the saver's own copy of the image, not on this one; a stop once asked for
            // (a cancellation, a passed deadline) is still asked for.
            if let shouldStop, shouldStop() {
                _ = Vips.takeError()
                throw .cancelled
            }
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

    /// Runs `body` with `shouldStop` watching this image's computation.
    private func watching(_ shouldStop: (@Sendable () -> Bool)?, _ body: () -> Int32) -> Int32 {
        guard let shouldStop else { return body() }
        let check = StopCheck(shouldStop)
        let context = Unmanaged.passRetained(check)
        defer { context.release() }
        let handle = uvw_vips_watch(self.pointer, { context in
            guard let context else { return 0 }
            return Unmanaged<StopCheck>.fromOpaque(context).takeUnretainedValue().shouldStop() ? 1 : 0
        }, context.toOpaque())
        defer { uvw_vips_unwatch(self.pointer, handle) }
        return body()
    }
}

/// The closure a libvips watch calls, boxed so that a C callback can reach it.
private final class StopCheck: Sendable {
    let shouldStop: @Sendable () -> Bool
    init(_ shouldStop: @escaping @Sendable () -> Bool) { self.shouldStop = shouldStop }
}
