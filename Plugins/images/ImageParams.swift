import Images
import PluginFetch
import PluginKit

/// Where the image's bytes come from: exactly one of `image_path`, `content`, `url`.
enum ImageOrigin: Sendable {
    case path(String)
    case content([UInt8])
    case url(String)
}

/// An `image_processing` task's parameters: the source, the steps (from `operation` + `options` or
/// from `operations`), and the output. Read from the parsed JSON; every refusal names the field.
struct ImageParams: Decodable, Sendable, CustomParameterDecoding {
    var origin: ImageOrigin
    var steps: [ImageStep]
    var output: OutputOptions
    /// Apply the EXIF orientation before the first step.
    var autoOrient: Bool
    /// The frame of an animated or multi-page image.
    var page: Int

    static let keys = ["image_path", "content", "url", "operation", "options", "operations", "output", "auto_orient", "page"]
    /// A longer pipeline is more likely a mistake (or an attack on the worker's time) than a real need.
    static let maxSteps = 16

    /// Smart crops and analysis read pixels more than once; everything else streams top to bottom.
    var access: Image.Access { steps.contains(where: \.needsRandomAccess) ? .random : .sequential }

    var analysis: (bins: Int, colours: Int)? {
        if steps.count == 1, case let .analyze(bins, colours) = steps[0] { return (bins, colours) }
        return nil
    }

    /// Checked by the host when a task is submitted: a 422 naming the field. The per-operation
    /// option schemas come from `ImageOperation`, as the parser's do.
    static var schema: String {
        let operations = ImageOperation.allCases
        let names = Schema.choice(operations.map(\.rawValue))
        // analyze reports on the input: in a list of several steps every op but analyze is allowed.
        let combinable = Schema.choice(operations.filter { $0 != .analyze }.map(\.rawValue))
        let optionRules = operations.map { op in
            #"{"if":{"properties":{"operation":{"const":"\#(op.rawValue)"}},"required":["operation"]},"#
                + #""then":{"properties":{"options":\#(op.schema(withOp: false))}}}"#
        }
        let stepRules = operations.map { op in
            #"{"if":{"properties":{"op":{"const":"\#(op.rawValue)"}},"required":["op"]},"then":\#(op.schema(withOp: true))}"#
        }
        return #"""
        {"type":"object","additionalProperties":false,
         "anyOf":[{"required":["image_path"]},{"required":["content"]},{"required":["url"]}],
         "allOf":[{"if":{"required":["image_path"]},"then":{"properties":{"content":false,"url":false}}},
                  {"if":{"required":["content"]},"then":{"properties":{"url":false}}},
                  {"anyOf":[{"required":["operation"]},{"required":["operations"]}]},
                  {"if":{"required":["operation"]},"then":{"properties":{"operations":false}}},
                  {"if":{"required":["options"]},"then":{"required":["operation"]}},
                  {"if":{"properties":{"operation":{"const":"analyze"}},"required":["operation"]},"then":{"properties":{"output":false}}},
                  {"if":{"properties":{"operations":{"minItems":2}},"required":["operations"]},
                   "then":{"properties":{"operations":{"items":{"properties":{"op":\#(combinable)}}}}}},
                  {"if":{"properties":{"operations":{"items":{"properties":{"op":{"const":"analyze"}}}}},"required":["operations"]},
                   "then":{"properties":{"output":false}}},
                  \#(optionRules.joined(separator: ",\n"))],
         "properties":{
           "image_path":{"type":"string","minLength":1,"maxLength":4096},
           "content":{"type":"string","minLength":1},
           "url":{"type":"string","minLength":1,"maxLength":8192,"pattern":"^[Hh][Tt][Tt][Pp][Ss]?://"},
           "operation":\#(names),
           "options":{"type":"object"},
           "operations":{"type":"array","minItems":1,"maxItems":\#(maxSteps),
                         "items":{"type":"object","required":["op"],"properties":{"op":\#(names)},
                                  "allOf":[\#(stepRules.joined(separator: ",\n"))]}},
           "output":{"type":"object","additionalProperties":false,"properties":{
             "format":\#(Schema.format),
             "quality":{"type":"integer","minimum":1,"maximum":100},
             "strip_metadata":{"type":"boolean"},
             "to":{"type":"string","minLength":1,"maxLength":1024,"pattern":"^(?!/)(?!(.*/)?\\.\\.(/|$)).+$"}}},
           "auto_orient":{"type":"boolean"},
           "page":{"type":"integer","minimum":0,"maximum":100000}}}
        """#
    }

    private typealias Schema = ImageOperation.Schema

    static func decodeParameters(from json: JSONValue) throws -> ImageParams {
        try ImageParams(json)
    }

    init(_ json: JSONValue) throws {
        guard case .object(let members) = json else { throw TaskError.invalidParams("the parameters must be a JSON object") }
        if let unknown = members.keys.sorted().first(where: { !Self.keys.contains($0) }) {
            throw TaskError.invalidParams("unknown parameter '\(unknown)' (expected one of: \(Self.keys.joined(separator: ", ")))")
        }
        let top = StepOptions(members, place: "")
        origin = try Self.origin(top)
        autoOrient = try top.bool("auto_orient") ?? true
        page = try top.integer("page", in: 0...100_000) ?? 0
        steps = try Self.steps(top)
        let outputMembers: [String: JSONValue]
        switch top.value("output") {
        case nil: outputMembers = [:]
        case .object(let object)?: outputMembers = object
        default: throw TaskError.invalidParams("output must be an object (format, quality, strip_metadata, to)")
        }
        if steps.count == 1, case .analyze = steps[0], top.has("output") {
            throw TaskError.invalidParams("output: analyze returns a report, not an image; leave output out")
        }
        output = try OutputOptions(outputMembers, steps: steps)
    }

    private static func origin(_ top: StepOptions) throws -> ImageOrigin {
        let sources = ["image_path", "content", "url"].filter { top.has($0) }
        guard sources.count == 1 else {
            throw TaskError.invalidParams(sources.isEmpty
                ? "one source is required: image_path (under IMAGES_DIR), content (base64) or url"
                : "give exactly one source, not \(sources.joined(separator: " and "))")
        }
        let text = try top.string(sources[0]) ?? ""
        switch sources[0] {
        case "image_path":
            guard !text.isEmpty, !text.contains("\0") else { throw TaskError.invalidParams("image_path must be a file name under IMAGES_DIR") }
            return .path(text)
        case "content":
            guard let bytes = Base64.decode(text), !bytes.isEmpty else {
                throw TaskError.invalidParams("content must be the image's bytes in base64 (it is not valid base64, or empty)")
            }
            return .content(bytes)
        default:
            let lower = text.lowercased()
            guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
                throw TaskError.invalidParams("url: only http and https URLs are fetched")
            }
            return .url(text)
        }
    }

    private static func steps(_ top: StepOptions) throws -> [ImageStep] {
        let steps: [ImageStep]
        switch (top.value("operation"), top.value("operations")) {
        case (nil, nil):
            throw TaskError.invalidParams("operation (with options) or operations (a list of steps) is required")
        case (_?, _?):
            throw TaskError.invalidParams("give operation (with options) or operations, not both")
        case (let operation?, nil):
            guard let name = operation.stringValue else { throw TaskError.invalidParams("operation must be a string") }
            let options: [String: JSONValue]
            switch top.value("options") {
            case nil: options = [:]
            case .object(let object)?: options = object
            default: throw TaskError.invalidParams("options must be an object")
            }
            steps = [try ImageStep.parse(name, options, place: "options", opField: "operation")]
        case (nil, let list?):
            if top.has("options") { throw TaskError.invalidParams("options goes with operation; each step of operations carries its own") }
            guard let items = list.arrayValue, !items.isEmpty else {
                throw TaskError.invalidParams("operations must be a non-empty list of steps like {\"op\": \"resize\", \"width\": 800}")
            }
            guard items.count <= maxSteps else {
                throw TaskError.invalidParams("operations: \(items.count) steps, more than the limit of \(maxSteps)")
            }
            steps = try items.enumerated().map { index, item in
                let place = "operations[\(index)]"
                guard var members = item.objectValue else { throw TaskError.invalidParams("\(place) must be an object with an op") }
                guard let name = members.removeValue(forKey: "op")?.stringValue else {
                    throw TaskError.invalidParams("\(place).op: each step needs an op (one of: \(ImageOperation.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                return try ImageStep.parse(name, members, place: place, opField: "\(place).op")
            }
        }
        if steps.count > 1, steps.contains(where: { if case .analyze = $0 { true } else { false } }) {
            throw TaskError.invalidParams("operations: analyze reports on the input image and cannot be combined with other steps")
        }
        return steps
    }
}
