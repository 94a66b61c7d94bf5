/// How `resize` fits an image into a `width` x `height` box, as sharp defines it.
public enum ResizeFit: String, Sendable, CaseIterable {
    /// Fill the box, keeping the aspect ratio, and crop what overflows (at `position`). sharp's default.
    case cover
    /// Fit inside the box, keeping the aspect ratio, and pad the rest with `background`.
    case contain
    /// Stretch to exactly the box, ignoring the aspect ratio.
    case fill
    /// Fit inside the box, keeping the aspect ratio: the output may be smaller than the box on one side.
    case inside
    /// Cover the box, keeping the aspect ratio: the output may be larger than the box on one side.
    case outside
}

/// The resampling kernel (libvips' nicknames).
public enum ResizeKernel: String, Sendable, CaseIterable {
    case nearest, linear, cubic, mitchell, lanczos2, lanczos3
}

/// Where `cover` and `crop` keep the part of the image that fits.
public enum CropStrategy: Sendable, Equatable {
    /// A fixed position: centre, north, south-east...
    case gravity(Gravity)
    /// The region with the most detail (Shannon entropy).
    case entropy
    /// The region most likely to draw the eye (skin tones, saturated colour, edges).
    case attention

    /// Smart crops search the image before cutting it: the loader must let pixels be read twice.
    public var isSmart: Bool { self == .entropy || self == .attention }

    /// libvips' VipsInteresting nickname, for the shrink-on-load thumbnail.
    var vipsName: String {
        switch self {
        case .gravity: "centre"
        case .entropy: "entropy"
        case .attention: "attention"
        }
    }
}

/// A compass position (libvips' VipsCompassDirection nicknames).
public enum Gravity: String, Sendable, CaseIterable {
    case centre, north, east, south, west
    case northEast = "north-east", southEast = "south-east", southWest = "south-west", northWest = "north-west"

    /// Accepts the American spelling too.
    public init?(name: String) {
        let normalised = name.lowercased().replacingUnderscores()
        if normalised == "center" { self = .centre; return }
        self.init(rawValue: normalised)
    }

    /// The offset of a `inner`-long span inside an `outer`-long one along x (`horizontal`) or y.
    func offset(inner: Int, outer: Int, horizontal: Bool) -> Int {
        let slack = outer - inner
        let name = self.rawValue
        if horizontal {
            if name.hasSuffix("west") { return 0 }
            if name.hasSuffix("east") { return slack }
        } else {
            if name.hasPrefix("north") { return 0 }
            if name.hasPrefix("south") { return slack }
        }
        return slack / 2
    }
}

/// Everything `resize` takes. Give `width`, `height`, both, or `scale`.
public struct ResizeOptions: Sendable {
    public var width: Int?
    public var height: Int?
    public var scale: Double?
    public var fit: ResizeFit
    public var kernel: ResizeKernel
    /// Never scale up: the output may then be smaller than the box (sharp's `withoutEnlargement`).
    public var withoutEnlargement: Bool
    /// Where `cover` crops.
    public var position: CropStrategy
    /// `contain`'s padding, one value per band (or one for all); the alpha of a transparent image defaults to 0.
    public var background: [Double]?

    public init(width: Int? = nil, height: Int? = nil, scale: Double? = nil, fit: ResizeFit = .cover,
                kernel: ResizeKernel = .lanczos3, withoutEnlargement: Bool = false,
                position: CropStrategy = .gravity(.centre), background: [Double]? = nil) {
        self.width = width
        self.height = height
        self.scale = scale
        self.fit = fit
        self.kernel = kernel
        self.withoutEnlargement = withoutEnlargement
        self.position = position
        self.background = background
    }
}

extension String {
    func replacingUnderscores() -> String { String(self.map { $0 == "_" ? "-" : $0 }) }
}
