internal import CVips

extension Image {
    // MARK: Crop

    /// The `width` x `height` box at (`left`, `top`).
    /// - Throws: `invalidArgument` when the box is empty or leaves the image.
    public func crop(left: Int, top: Int, width: Int, height: Int) throws(ImageError) -> Image {
        guard width > 0, height > 0, left >= 0, top >= 0, left + width <= self.width, top + height <= self.height else {
            throw .invalidArgument("crop box \(left),\(top) \(width)x\(height) is outside the \(self.width)x\(self.height) image")
        }
        return try self.derive("crop") {
            uvw_vips_extract_area(self.pointer, Int32(left), Int32(top), Int32(width), Int32(height), $0)
        }
    }

    /// A `width` x `height` region chosen by `strategy`; sizes larger than the image are clamped to it.
    public func crop(width: Int, height: Int, strategy: CropStrategy) throws(ImageError) -> Image {
        guard width > 0, height > 0 else { throw .invalidArgument("crop size \(width)x\(height) is empty") }
        let w = min(width, self.width), h = min(height, self.height)
        switch strategy {
        case let .gravity(gravity):
            return try self.crop(left: gravity.offset(inner: w, outer: self.width, horizontal: true),
                                 top: gravity.offset(inner: h, outer: self.height, horizontal: false), width: w, height: h)
        case .entropy, .attention:
            return try self.derive("crop") { uvw_vips_smartcrop(self.pointer, Int32(w), Int32(h), strategy.vipsName, $0) }
        }
    }

    // MARK: Orientation

    /// Rotates clockwise by `degrees`. Multiples of 90 are exact; other angles interpolate and grow the canvas,
    /// filling the corners with `background` (one value per band, or one for all; default black, transparent).
    public func rotate(degrees: Double, background: [Double]? = nil) throws(ImageError) -> Image {
        guard degrees.isFinite else { throw .invalidArgument("rotation angle must be finite") }
        let fill = background ?? [Double](repeating: 0, count: self.bands)
        return try self.derive("rotate") { out in
            fill.withUnsafeBufferPointer { uvw_vips_rotate(self.pointer, degrees, $0.baseAddress, Int32($0.count), out) }
        }
    }

    /// Applies the EXIF orientation so the pixels are upright, and resets the tag to 1.
    public func autoOrient() throws(ImageError) -> Image {
        try self.derive("auto_orient") { uvw_vips_autorot(self.pointer, $0) }
    }

    /// Upside down (top to bottom).
    public func flip() throws(ImageError) -> Image { try self.derive("flip") { uvw_vips_flip(self.pointer, 0, $0) } }

    /// Mirrored left to right.
    public func flop() throws(ImageError) -> Image { try self.derive("flop") { uvw_vips_flip(self.pointer, 1, $0) } }

    // MARK: Canvas

    /// Adds `top`/`right`/`bottom`/`left` pixels. `mode` is libvips' extend nickname: "background" (the
    /// colour), "copy" (repeat the edge), "mirror", "repeat", "black", "white".
    public func extend(top: Int, right: Int, bottom: Int, left: Int, mode: String = "background",
                       background: [Double]? = nil) throws(ImageError) -> Image {
        guard min(top, right, bottom, left) >= 0 else { throw .invalidArgument("extend sizes must not be negative") }
        let width = self.width + left + right, height = self.height + top + bottom
        try self.limits.checkOutput(width: width, height: height)
        let fill = self.fill(background)
        return try self.derive("extend") { out in
            fill.withUnsafeBufferPointer {
                uvw_vips_embed(self.pointer, Int32(left), Int32(top), Int32(width), Int32(height), mode,
                               $0.baseAddress, Int32($0.count), out)
            }
        }
    }

    /// Places the image on a `width` x `height` canvas at `gravity` (contain's padding).
    public func pad(toWidth width: Int, height: Int, gravity: Gravity, background: [Double]? = nil) throws(ImageError) -> Image {
        try self.limits.checkOutput(width: width, height: height)
        let fill = self.fill(background)
        return try self.derive("pad") { out in
            fill.withUnsafeBufferPointer {
                uvw_vips_gravity(self.pointer, gravity.rawValue, Int32(width), Int32(height), "background",
                                 $0.baseAddress, Int32($0.count), out)
            }
        }
    }

    /// `overlay` drawn over this image at `gravity`, its alpha scaled by `opacity` (0-1).
    public func composite(_ overlay: Image, gravity: Gravity = .southEast, opacity: Double = 1) throws(ImageError) -> Image {
        guard (0...1).contains(opacity) else { throw .invalidArgument("opacity must be within 0-1, got \(opacity)") }
        let x = gravity.offset(inner: overlay.width, outer: self.width, horizontal: true)
        let y = gravity.offset(inner: overlay.height, outer: self.height, horizontal: false)
        let blended = try self.derive("composite") {
            uvw_vips_composite_over(self.pointer, overlay.pointer, Int32(x), Int32(y), opacity, $0)
        }
        // libvips' composite always adds an alpha band; over an opaque base it is 255 everywhere, so drop it
        // and keep the base's layout (a JPEG stays three bands).
        guard !self.hasAlpha, blended.bands > self.bands else { return blended }
        let colourBands = Int32(self.bands)
        let opaque = try blended.derive("composite") { uvw_vips_extract_band(blended.pointer, 0, colourBands, $0) }
        guard opaque.bandFormat != self.bandFormat else { return opaque }
        let format = self.bandFormat
        return try opaque.derive("composite") { uvw_vips_cast(opaque.pointer, format, $0) }
    }

    /// The image with an opaque alpha band, so a transparent background can show (padding, rotation
    /// corners). Images with alpha come back as they are.
    public func withAlpha() throws(ImageError) -> Image {
        guard !self.hasAlpha else { return self }
        return try self.derive("alpha") { uvw_vips_addalpha(self.pointer, $0) }
    }

    /// A background per band: the given colour (its last value reused), with the alpha band transparent unless given.
    private func fill(_ background: [Double]?) -> [Double] {
        let colourBands = self.hasAlpha ? self.bands - 1 : self.bands
        let colour = background ?? []
        var fill = (0..<colourBands).map { colour.isEmpty ? 0 : colour[min($0, colour.count - 1)] }
        if self.hasAlpha { fill.append(colour.count > colourBands ? colour[colourBands] : 0) }
        return fill
    }
}
