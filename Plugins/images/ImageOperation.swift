import Images

/// The operations a step can name and the options each takes. One table feeds both the JSON Schema
/// the host checks at submit time (a 422 naming the field) and the parser that builds the steps, so
/// the two cannot disagree about which options exist.
enum ImageOperation: String, CaseIterable, Sendable {
    case resize, thumbnail, crop, rotate, autoOrient = "auto_orient", flip, flop, filter
    // Each filter is also an operation by itself: {"op": "blur", "sigma": 2}.
    case blur, sharpen, grayscale, greyscale, sepia, negate, threshold, brightness, contrast, gamma, saturation, tint
    case extend, pad, composite, convert, analyze

    /// The names `filter`'s `filter` option takes.
    static let filterNames = ["blur", "sharpen", "grayscale", "greyscale", "sepia", "negate", "threshold", "brightness",
                              "contrast", "gamma", "saturation", "tint"]

    /// libvips' extend nicknames `extend`'s `mode` takes.
    static let extendModes = ["background", "copy", "mirror", "repeat", "black", "white"]

    /// Option name and its JSON Schema, in the order the README lists them.
    var options: [(name: String, schema: String)] {
        switch self {
        case .resize:
            [("width", Schema.dimension), ("height", Schema.dimension),
             ("scale", #"{"type":"number","exclusiveMinimum":0,"maximum":100}"#),
             ("fit", Schema.choice(ResizeFit.allCases.map(\.rawValue))),
             ("kernel", Schema.choice(ResizeKernel.allCases.map(\.rawValue))),
             ("without_enlargement", #"{"type":"boolean"}"#), ("position", Schema.strategy), ("background", Schema.colour)]
        case .thumbnail:
            [("width", Schema.dimension), ("height", Schema.dimension), ("crop", Schema.strategy),
             ("fast_shrink_on_load", #"{"type":"boolean"}"#)]
        case .crop:
            [("left", Schema.offset), ("top", Schema.offset), ("width", Schema.dimension), ("height", Schema.dimension),
             ("gravity", Schema.strategy)]
        case .rotate:
            [("angle", #"{"type":"number","minimum":-36000,"maximum":36000}"#), ("background", Schema.colour)]
        case .autoOrient, .flip, .flop, .grayscale, .greyscale, .sepia, .negate:
            []
        case .filter:
            [("filter", Schema.choice(Self.filterNames)), ("sigma", Schema.sigma), ("value", Schema.factor),
             ("colour", Schema.colour)]
        case .blur, .sharpen:
            [("sigma", Schema.sigma)]
        case .threshold:
            [("value", #"{"type":"number","minimum":0,"maximum":255}"#)]
        case .brightness, .contrast, .saturation:
            [("value", Schema.factor)]
        case .gamma:
            [("value", #"{"type":"number","minimum":0.1,"maximum":10}"#)]
        case .tint:
            [("colour", Schema.colour)]
        case .extend:
            [("top", Schema.offset), ("right", Schema.offset), ("bottom", Schema.offset), ("left", Schema.offset),
             ("mode", Schema.choice(Self.extendModes)), ("background", Schema.colour)]
        case .pad:
            [("width", Schema.dimension), ("height", Schema.dimension), ("gravity", Schema.gravity), ("background", Schema.colour)]
        case .composite:
            [("overlay", #"{"type":"string","minLength":1,"maxLength":4096}"#), ("overlay_content", #"{"type":"string","minLength":1}"#),
             ("gravity", Schema.gravity), ("opacity", #"{"type":"number","minimum":0,"maximum":1}"#)]
        case .convert:
            [("format", Schema.format)]
        case .analyze:
            [("bins", #"{"type":"integer","minimum":1,"maximum":256}"#), ("colours", #"{"type":"integer","minimum":1,"maximum":16}"#)]
        }
    }

    /// Options without which the step means nothing.
    var required: [String] {
        switch self {
        case .filter: ["filter"]
        case .tint: ["colour"]
        case .pad: ["width", "height"]
        case .convert: ["format"]
        case .rotate: ["angle"]
        default: []
        }
    }

    /// The options' schema: an object with exactly these properties (plus `op` in a step).
    func schema(withOp: Bool) -> String {
        var properties = options.map { "\"\($0.name)\":\($0.schema)" }
        if withOp { properties.insert("\"op\":{\"const\":\"\(rawValue)\"}", at: 0) }
        let required = (withOp ? ["op"] : []) + self.required
        let requiredList = required.isEmpty ? "" : ",\"required\":[" + required.map { "\"\($0)\"" }.joined(separator: ",") + "]"
        return "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{" + properties.joined(separator: ",") + "}"
            + requiredList + "}"
    }

    /// JSON Schema fragments shared by several options.
    enum Schema {
        static let dimension = #"{"type":"integer","minimum":1,"maximum":1000000}"#
        static let offset = #"{"type":"integer","minimum":0,"maximum":1000000}"#
        static let sigma = #"{"type":"number","minimum":0.000001,"maximum":1000}"#
        static let factor = #"{"type":"number","minimum":0,"maximum":1000}"#
        /// "#rgb", "#rgba", "#rrggbb", "#rrggbbaa", a name, a grey level, or [r, g, b(, a)].
        static let colour = #"""
            {"type":["string","array","number"],"minimum":0,"maximum":255,"minItems":1,"maxItems":4,
             "items":{"type":"number","minimum":0,"maximum":255},
             "pattern":"^(#([0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})|white|black|transparent)$"}
            """#
        static var gravity: String { choice(GravityName.all) }
        static var strategy: String { choice(GravityName.all + ["entropy", "attention"]) }
        static var format: String { choice(OutputFormatName.all) }

        static func choice(_ names: [String]) -> String {
            "{\"enum\":[" + names.map { "\"\($0)\"" }.joined(separator: ",") + "]}"
        }
    }
}

/// Compass names as sharp and libvips spell them: "north-east", "northeast", "north_east", "center".
enum GravityName {
    static let all: [String] = {
        var names = ["centre", "center"]
        for direction in Gravity.allCases where direction != .centre {
            let name = direction.rawValue
            names.append(name)
            if name.contains("-") {
                names.append(String(name.filter { $0 != "-" }))
                names.append(name.swapping("-", for: "_"))
            }
        }
        return names
    }()

    static func parse(_ name: String) -> Gravity? {
        let lower = name.lowercased()
        for prefix in ["north", "south"] where lower.hasPrefix(prefix) && (lower.hasSuffix("east") || lower.hasSuffix("west")) {
            return Gravity(rawValue: prefix + "-" + lower.suffix(4))
        }
        return Gravity(name: lower)
    }
}

/// Output format names, with "jpg" for jpeg.
enum OutputFormatName {
    static let all = ["jpeg", "jpg", "png", "webp", "gif", "tiff", "heif", "avif"]

    static func parse(_ name: String) -> ImageFormat? {
        ImageFormat(rawValue: name.lowercased() == "jpg" ? "jpeg" : name.lowercased())
    }
}

extension String {
    func swapping(_ target: Character, for replacement: Character) -> String {
        String(map { $0 == target ? replacement : $0 })
    }
}
