import Images
import PluginFetch
import PluginKit

/// Where a composite's overlay comes from: a file under IMAGES_DIR, or bytes in the task.
enum OverlaySource: Sendable {
    case path(String)
    case content([UInt8])
}

/// One parsed step of a pipeline, checked when the task is read (every refusal names the field).
enum ImageStep: Sendable {
    case resize(ResizeOptions, background: Colour?)
    case thumbnail(width: Int?, height: Int?, crop: CropStrategy?, fastShrinkOnLoad: Bool)
    case cropBox(left: Int, top: Int, width: Int, height: Int)
    case crop(width: Int, height: Int, strategy: CropStrategy)
    case rotate(degrees: Double, background: Colour?)
    case autoOrient, flip, flop
    case filter(ImageFilter, name: String)
    case extend(top: Int, right: Int, bottom: Int, left: Int, mode: String, background: Colour?)
    case pad(width: Int, height: Int, gravity: Gravity, background: Colour?)
    case composite(OverlaySource, gravity: Gravity, opacity: Double)
    case convert(ImageFormat)
    case analyze(bins: Int, colours: Int)

    /// The name reported in the result's `steps`.
    var name: String {
        switch self {
        case .resize: "resize"
        case .thumbnail: "thumbnail"
        case .cropBox, .crop: "crop"
        case .rotate: "rotate"
        case .autoOrient: "auto_orient"
        case .flip: "flip"
        case .flop: "flop"
        case .filter(_, let name): name
        case .extend: "extend"
        case .pad: "pad"
        case .composite: "composite"
        case .convert: "convert"
        case .analyze: "analyze"
        }
    }

    /// Smart crops search the image before cutting it, so the loader must allow reading pixels twice.
    var needsRandomAccess: Bool {
        switch self {
        case .resize(let options, _): options.fit == .cover && options.position.isSmart
        case .thumbnail(_, _, let crop, _): crop?.isSmart ?? false
        case .crop(_, _, let strategy): strategy.isSmart
        case .analyze: true
        default: false
        }
    }

    static let strategies = GravityName.all + ["entropy", "attention"]

    static func strategy(_ name: String) -> CropStrategy? {
        switch name.lowercased() {
        case "entropy": .entropy
        case "attention": .attention
        default: GravityName.parse(name).map { .gravity($0) }
        }
    }

    /// Parses the operation `name` with its options. `place` names the options in refusals ("options",
    /// "operations[1]"), `opField` the field that holds the name ("operation", "operations[1].op").
    static func parse(_ name: String, _ members: [String: JSONValue], place: String, opField: String) throws -> ImageStep {
        guard let operation = ImageOperation(rawValue: name) else {
            throw TaskError.invalidParams("\(opField): unknown operation '\(name)' (one of: \(ImageOperation.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let o = try StepOptions(members, place: place, operation: operation)
        switch operation {
        case .resize:
            let width = try o.integer("width", in: 1...1_000_000), height = try o.integer("height", in: 1...1_000_000)
            let scale = try o.number("scale", in: 0...100)
            if scale != nil && (width != nil || height != nil) {
                throw TaskError.invalidParams("\(o.place): resize takes width/height or scale, not both")
            }
            if scale == nil && width == nil && height == nil {
                throw TaskError.invalidParams("\(o.place): resize needs width, height or scale")
            }
            if let scale, scale <= 0 { throw TaskError.invalidParams("\(o.field("scale")) must be above 0") }
            let fit = try o.choice("fit", ResizeFit.allCases.map(\.rawValue)) { ResizeFit(rawValue: $0) } ?? .cover
            let kernel = try o.choice("kernel", ResizeKernel.allCases.map(\.rawValue)) { ResizeKernel(rawValue: $0) } ?? .lanczos3
            let position = try o.choice("position", strategies, strategy) ?? .gravity(.centre)
            return .resize(ResizeOptions(width: width, height: height, scale: scale, fit: fit, kernel: kernel,
                                         withoutEnlargement: try o.bool("without_enlargement") ?? false, position: position),
                           background: try o.colour("background"))
        case .thumbnail:
            let width = try o.integer("width", in: 1...1_000_000), height = try o.integer("height", in: 1...1_000_000)
            guard width != nil || height != nil else { throw TaskError.invalidParams("\(o.place): thumbnail needs width or height") }
            let crop = try o.choice("crop", strategies, strategy)
            if crop != nil && (width == nil || height == nil) {
                throw TaskError.invalidParams("\(o.field("crop")): a cropped thumbnail needs both width and height")
            }
            return .thumbnail(width: width, height: height, crop: crop, fastShrinkOnLoad: try o.bool("fast_shrink_on_load") ?? true)
        case .crop:
            let width = try o.integer("width", in: 1...1_000_000), height = try o.integer("height", in: 1...1_000_000)
            let left = try o.integer("left", in: 0...1_000_000), top = try o.integer("top", in: 0...1_000_000)
            if left != nil || top != nil {
                guard let width, let height else {
                    throw TaskError.invalidParams("\(o.place): a crop box needs left, top, width and height")
                }
                if o.has("gravity") { throw TaskError.invalidParams("\(o.field("gravity")): give a box (left, top) or a gravity, not both") }
                return .cropBox(left: left ?? 0, top: top ?? 0, width: width, height: height)
            }
            guard let width, let height else {
                throw TaskError.invalidParams("\(o.place): crop needs width and height (with left and top, or a gravity)")
            }
            return .crop(width: width, height: height, strategy: try o.choice("gravity", strategies, strategy) ?? .gravity(.centre))
        case .rotate:
            return .rotate(degrees: try o.number("angle", in: -36000...36000) ?? 0, background: try o.colour("background"))
        case .autoOrient: return .autoOrient
        case .flip: return .flip
        case .flop: return .flop
        case .filter, .blur, .sharpen, .grayscale, .greyscale, .sepia, .negate, .threshold, .brightness, .contrast, .gamma,
             .saturation, .tint:
            // `filter` names it in an option (required, so present); each filter is an op of its own too.
            let name = operation == .filter
                ? try o.choice("filter", ImageOperation.filterNames) { ImageOperation.filterNames.contains($0) ? $0 : nil }!
                : operation.rawValue
            return .filter(try filter(name, o), name: name == "greyscale" ? "grayscale" : name)
        case .extend:
            let sides = try ["top", "right", "bottom", "left"].map { try o.integer($0, in: 0...1_000_000) ?? 0 }
            let modes = ImageOperation.extendModes
            let mode = try o.choice("mode", modes) { modes.contains($0) ? $0 : nil } ?? "background"
            return .extend(top: sides[0], right: sides[1], bottom: sides[2], left: sides[3], mode: mode, background: try o.colour("background"))
        case .pad:
            return .pad(width: try o.integer("width", in: 1...1_000_000)!, height: try o.integer("height", in: 1...1_000_000)!,
                        gravity: try o.choice("gravity", GravityName.all, GravityName.parse) ?? .centre, background: try o.colour("background"))
        case .composite:
            let overlay: OverlaySource
            switch (try o.string("overlay"), try o.string("overlay_content")) {
            case (let path?, nil):
                guard !path.isEmpty, !path.contains("\0") else { throw TaskError.invalidParams("\(o.field("overlay")) must be a file name under IMAGES_DIR") }
                overlay = .path(path)
            case (nil, let content?):
                guard let bytes = Base64.decode(content) else {
                    throw TaskError.invalidParams("\(o.field("overlay_content")) is not valid base64")
                }
                overlay = .content(bytes)
            case (nil, nil):
                throw TaskError.invalidParams("\(o.place): composite needs overlay (a file under IMAGES_DIR) or overlay_content (base64)")
            default:
                throw TaskError.invalidParams("\(o.place): give overlay or overlay_content, not both")
            }
            return .composite(overlay, gravity: try o.choice("gravity", GravityName.all, GravityName.parse) ?? .southEast,
                              opacity: try o.number("opacity", in: 0...1) ?? 1)
        case .convert:
            return .convert(try o.choice("format", OutputFormatName.all, OutputFormatName.parse)!)
        case .analyze:
            return .analyze(bins: try o.integer("bins", in: 1...256) ?? 256, colours: try o.integer("colours", in: 1...16) ?? 5)
        }
    }

    /// A filter by name with its option (`sigma`, `value` or `colour`).
    private static func filter(_ name: String, _ o: StepOptions) throws -> ImageFilter {
        switch name {
        case "blur": return .blur(sigma: try o.number("sigma", in: 0.3...1000) ?? 1)
        case "sharpen": return .sharpen(sigma: try o.number("sigma", in: 0.000001...10) ?? 1)
        case "grayscale", "greyscale": return .grayscale
        case "sepia": return .sepia
        case "negate": return .negate
        case "threshold": return .threshold(try o.number("value", in: 0...255) ?? 128)
        case "brightness": return .brightness(try o.number("value", in: 0...1000) ?? 1)
        case "contrast": return .contrast(try o.number("value", in: 0...1000) ?? 1)
        case "gamma": return .gamma(try o.number("value", in: 0.1...10) ?? 2.2)
        case "saturation": return .saturation(try o.number("value", in: 0...1000) ?? 1)
        default:
            guard let colour = try o.colour("colour") else { throw TaskError.invalidParams("\(o.field("colour")): tint needs a colour") }
            return .tint(red: colour.red, green: colour.green, blue: colour.blue)
        }
    }
}
