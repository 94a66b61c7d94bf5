internal import CVips

extension Image {
    /// Applies one filter.
    /// - Throws: `invalidArgument` for out-of-range parameters.
    public func apply(_ filter: ImageFilter) throws(ImageError) -> Image {
        switch filter {
        case let .blur(sigma):
            guard (0.3...1000).contains(sigma) else { throw .invalidArgument("blur sigma must be within 0.3-1000, got \(sigma)") }
            return try self.derive("blur") { uvw_vips_gaussblur(self.pointer, sigma, $0) }
        case let .sharpen(sigma):
            guard (0.000001...10).contains(sigma) else { throw .invalidArgument("sharpen sigma must be within 0-10, got \(sigma)") }
            return try self.derive("sharpen") { uvw_vips_sharpen(self.pointer, sigma, $0) }
        case .grayscale:
            return try self.derive("grayscale") { uvw_vips_colourspace(self.pointer, "b-w", $0) }
        case .negate:
            return try self.onColourBands("negate") { image throws(ImageError) in
                try image.derive("negate") { uvw_vips_invert(image.pointer, $0) }
            }
        case let .threshold(value):
            guard (0...255).contains(value) else { throw .invalidArgument("threshold must be within 0-255, got \(value)") }
            let grey = try self.apply(.grayscale).eightBit()
            return try grey.onColourBands("threshold") { image throws(ImageError) in
                try image.derive("threshold") { uvw_vips_relational_const(image.pointer, "moreeq", value, $0) }
            }
        case let .brightness(factor):
            guard factor >= 0, factor.isFinite else { throw .invalidArgument("brightness must be >= 0, got \(factor)") }
            return try self.linear(multiply: factor, add: 0, operation: "brightness")
        case let .contrast(factor):
            guard factor >= 0, factor.isFinite else { throw .invalidArgument("contrast must be >= 0, got \(factor)") }
            return try self.linear(multiply: factor, add: 128 * (1 - factor), operation: "contrast")
        case let .gamma(exponent):
            guard (0.1...10).contains(exponent) else { throw .invalidArgument("gamma must be within 0.1-10, got \(exponent)") }
            return try self.onColourBands("gamma") { image throws(ImageError) in
                try image.derive("gamma") { uvw_vips_gamma(image.pointer, exponent, $0) }
            }
        case .sepia:
            // The classic Microsoft sepia matrix (also sharp's documentation example for recomb).
            return try self.recombined([0.393, 0.769, 0.189, 0.349, 0.686, 0.168, 0.272, 0.534, 0.131], operation: "sepia")
        case let .saturation(s):
            guard s >= 0, s.isFinite else { throw .invalidArgument("saturation must be >= 0, got \(s)") }
            // Rec. 601 luma weights: each output channel is s * itself + (1 - s) * luma.
            let luma = [0.299, 0.587, 0.114]
            var matrix = [Double]()
            for row in 0..<3 { for col in 0..<3 { matrix.append((1 - s) * luma[col] + (row == col ? s : 0)) } }
            return try self.recombined(matrix, operation: "saturation")
        case let .tint(red, green, blue):
            let luma = [0.299, 0.587, 0.114]
            let matrix = [red, green, blue].flatMap { channel in luma.map { $0 * channel / 255 } }
            return try self.recombined(matrix, operation: "tint")
        }
    }

    // MARK: Helpers

    /// out = in * multiply + add on the colour bands, back to 8 bits.
    private func linear(multiply: Double, add: Double, operation: String) throws(ImageError) -> Image {
        try self.eightBit().onColourBands(operation) { image throws(ImageError) in
            let n = image.bands
            let a = [Double](repeating: multiply, count: n), b = [Double](repeating: add, count: n)
            return try image.derive(operation) { uvw_vips_linear(image.pointer, a, b, Int32(n), 1, $0) }
        }
    }

    /// A 3x3 colour matrix over sRGB (greyscale input is expanded to sRGB first), back to 8 bits.
    private func recombined(_ matrix: [Double], operation: String) throws(ImageError) -> Image {
        let rgb = try self.srgb()
        return try rgb.onColourBands(operation) { image throws(ImageError) in
            let mixed = try image.derive(operation) { uvw_vips_recomb(image.pointer, matrix, 3, 3, $0) }
            return try mixed.derive(operation) { uvw_vips_cast(mixed.pointer, "uchar", $0) }
        }
    }

    /// Runs `body` on the colour bands only and joins the untouched alpha band back on.
    func onColourBands(_ operation: String, _ body: (Image) throws(ImageError) -> Image) throws(ImageError) -> Image {
        guard self.hasAlpha else { return try body(self) }
        let colourCount = Int32(self.bands - 1)
        let colour = try self.derive(operation) { uvw_vips_extract_band(self.pointer, 0, colourCount, $0) }
        let alpha = try self.derive(operation) { uvw_vips_extract_band(self.pointer, colourCount, 1, $0) }
        var processed = try body(colour)
        if processed.bandFormat != alpha.bandFormat {
            let format = alpha.bandFormat
            let source = processed
            processed = try source.derive(operation) { uvw_vips_cast(source.pointer, format, $0) }
        }
        let result = processed
        return try result.derive(operation) { uvw_vips_bandjoin2(result.pointer, alpha.pointer, $0) }
    }

    /// sRGB (3 bands, plus alpha if any) in 8 bits: greyscale, CMYK, 16-bit and Lab inputs converted.
    func srgb() throws(ImageError) -> Image {
        if self.interpretation == "srgb" && self.bandFormat == "uchar" { return self }
        return try self.derive("colourspace") { uvw_vips_colourspace(self.pointer, "srgb", $0) }.eightBit()
    }

    /// 8 bits per band: 16-bit sRGB/grey through libvips' colourspace (which rescales), anything else cast.
    func eightBit() throws(ImageError) -> Image {
        switch (self.bandFormat, self.interpretation) {
        case ("uchar", _): return self
        case (_, "rgb16"): return try self.derive("colourspace") { uvw_vips_colourspace(self.pointer, "srgb", $0) }
        case (_, "grey16"): return try self.derive("colourspace") { uvw_vips_colourspace(self.pointer, "b-w", $0) }
        default: return try self.derive("cast") { uvw_vips_cast(self.pointer, "uchar", $0) }
        }
    }
}
