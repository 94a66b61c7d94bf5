internal import CVips

extension Image {
    /// Resizes with sharp's `fit` semantics.
    /// - Throws: `invalidArgument` for a missing or non-positive size; `outputTooLarge` for a box over the limits.
    public func resize(_ options: ResizeOptions) throws(ImageError) -> Image {
        let sourceWidth = Double(self.width), sourceHeight = Double(self.height)
        func rounded(_ value: Double) -> Int { max(1, Int(value.rounded())) }

        if let scale = options.scale {
            guard scale > 0, scale.isFinite else { throw .invalidArgument("scale must be positive, got \(scale)") }
            let s = options.withoutEnlargement ? min(scale, 1) : scale
            return try self.resized(width: rounded(sourceWidth * s), height: rounded(sourceHeight * s), kernel: options.kernel)
        }
        for case let side? in [options.width, options.height] where side <= 0 {
            throw .invalidArgument("width and height must be positive, got \(side)")
        }
        switch (options.width, options.height) {
        case (nil, nil):
            throw .invalidArgument("resize needs width, height or scale")
        case let (width?, nil):
            let s = options.withoutEnlargement ? min(Double(width) / sourceWidth, 1) : Double(width) / sourceWidth
            return try self.resized(width: rounded(sourceWidth * s), height: rounded(sourceHeight * s), kernel: options.kernel)
        case let (nil, height?):
            let s = options.withoutEnlargement ? min(Double(height) / sourceHeight, 1) : Double(height) / sourceHeight
            return try self.resized(width: rounded(sourceWidth * s), height: rounded(sourceHeight * s), kernel: options.kernel)
        case let (width?, height?):
            try self.limits.checkOutput(width: width, height: height)
            let sx = Double(width) / sourceWidth, sy = Double(height) / sourceHeight
            switch options.fit {
            case .fill:
                let w = options.withoutEnlargement ? min(width, self.width) : width
                let h = options.withoutEnlargement ? min(height, self.height) : height
                return try self.resized(width: w, height: h, kernel: options.kernel)
            case .inside, .contain:
                let fitted = try self.scaledToFit(box: (width, height), scale: min(sx, sy), options: options)
                guard options.fit == .contain, fitted.width != width || fitted.height != height,
                      !(options.withoutEnlargement && min(sx, sy) > 1) else { return fitted }
                return try fitted.pad(toWidth: width, height: height, gravity: .centre, background: options.background)
            case .outside, .cover:
                let fitted = try self.scaledToFit(box: (width, height), scale: max(sx, sy), options: options)
                guard options.fit == .cover else { return fitted }
                let w = min(width, fitted.width), h = min(height, fitted.height)
                if w == fitted.width && h == fitted.height { return fitted }
                return try fitted.crop(width: w, height: h, strategy: options.position)
            }
        }
    }

    /// Scales by `scale`, making the side that decided the scale exactly the box's (rounding only the other).
    private func scaledToFit(box: (Int, Int), scale: Double, options: ResizeOptions) throws(ImageError) -> Image {
        let s = options.withoutEnlargement ? min(scale, 1) : scale
        if s == 1 { return self }
        let sx = Double(box.0) / Double(self.width)
        let widthDecides = s == sx
        let w = widthDecides ? box.0 : max(1, Int((Double(self.width) * s).rounded()))
        let h = widthDecides ? max(1, Int((Double(self.height) * s).rounded())) : box.1
        return try self.resized(width: w, height: h, kernel: options.kernel)
    }

    /// Exactly `width` x `height` (libvips rounds its output size from the scale, which can miss by one pixel).
    func resized(width: Int, height: Int, kernel: ResizeKernel = .lanczos3) throws(ImageError) -> Image {
        try self.limits.checkOutput(width: width, height: height)
        if width == self.width && height == self.height { return self }
        let hscale = Double(width) / Double(self.width), vscale = Double(height) / Double(self.height)
        let out = try self.derive("resize") { uvw_vips_resize(self.pointer, hscale, vscale, kernel.rawValue, $0) }
        if out.width == width && out.height == height { return out }
        // Off by one: trim the extra row/column, or repeat the edge for a missing one.
        return try out.derive("resize") {
            uvw_vips_embed(out.pointer, 0, 0, Int32(width), Int32(height), "copy", nil, 0, $0)
        }
    }

    /// libvips' thumbnail of an already loaded image (no shrink-on-load; see `Image.thumbnail(_:...)` for that).
    public func thumbnail(width: Int, height: Int, crop: CropStrategy? = nil) throws(ImageError) -> Image {
        try self.limits.checkOutput(width: width, height: height)
        return try self.derive("thumbnail") {
            uvw_vips_thumbnail_image(self.pointer, Int32(width), Int32(height), crop?.vipsName, "both", $0)
        }
    }
}
