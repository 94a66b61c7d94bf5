import PluginKit

/// An `ml_inference` task's parameters, read from the parsed JSON so every refusal names the field
/// and the limit ("input_data: 1001 texts, more than the limit of 1000"). The schema carries the
/// same limits for clients and for the host's own check; this reading is what a plugin called
/// without the host's check (a self-test, a direct call) relies on.
struct InferenceParams: Decodable, Sendable, CustomParameterDecoding {
    var modelType: ModelType
    /// One entry per input text, in input order; a single string is one text.
    var texts: [String]
    /// For `similarity`: each text's score against it; without it the answer is the n×n matrix.
    var query: String?
    var categories: [CategorySpec]
    var multiLabel: Bool
    var hypothesisTemplate: String

    static let maxTexts = 1000
    /// Code points, as Python's `len` and JSON Schema's `maxLength` count them.
    static let maxCharacters = 100_000
    static let maxCategories = 100
    static let maxExamples = 100
    static let defaultTemplate = "This text is about {}."
    static let keys = ["model_type", "input_data", "query", "categories", "multi_label", "hypothesis_template"]

    static let schema = #"""
    {"type":"object","additionalProperties":false,"required":["model_type","input_data"],
     "properties":{
       "model_type":{"enum":["sentiment","embedding","similarity","classification","entity_extraction"]},
       "input_data":{"type":["string","array"],"maxLength":100000,"maxItems":1000,
                     "items":{"type":"string","maxLength":100000}},
       "query":{"type":"string","maxLength":100000},
       "categories":{"type":"array","minItems":1,"maxItems":100,
                     "items":{"anyOf":[{"type":"string","minLength":1,"maxLength":1000},
                                       {"type":"object","additionalProperties":false,"required":["label"],
                                        "properties":{"label":{"type":"string","minLength":1,"maxLength":1000},
                                                      "description":{"type":"string","maxLength":100000},
                                                      "examples":{"type":"array","maxItems":100,
                                                                  "items":{"type":"string","maxLength":100000}}}}]}},
       "multi_label":{"type":"boolean"},
       "hypothesis_template":{"type":"string","minLength":2,"maxLength":1000}}}
    """#

    static func decodeParameters(from json: JSONValue) throws -> InferenceParams {
        try InferenceParams(json)
    }

    init(_ json: JSONValue) throws {
        guard case .object(let members) = json else { throw TaskError.invalidParams("the parameters must be a JSON object") }
        if let unknown = members.keys.sorted().first(where: { !Self.keys.contains($0) }) {
            throw TaskError.invalidParams("unknown parameter '\(unknown)' (expected one of: \(Self.keys.joined(separator: ", ")))")
        }
        func present(_ key: String) -> JSONValue? {
            guard let value = members[key], !value.isNull else { return nil }
            return value
        }

        guard let typeName = present("model_type")?.stringValue else {
            throw TaskError.invalidParams("model_type is required: one of \(ModelType.allNames)")
        }
        guard let modelType = ModelType(rawValue: typeName) else {
            throw TaskError.invalidParams("model_type: unknown model type '\(typeName)' (one of \(ModelType.allNames))")
        }
        self.modelType = modelType

        switch present("input_data") {
        case .string(let text)?:
            try Self.checkLength(text, field: "input_data")
            texts = [text]
        case .array(let elements)?:
            texts = try Self.strings(elements, field: "input_data", limit: Self.maxTexts, noun: "texts")
        case let other?:
            throw TaskError.invalidParams("input_data must be a string or an array of strings (found \(other.typeName))")
        case nil:
            throw TaskError.invalidParams("input_data is required: a string or an array of up to \(Self.maxTexts) strings")
        }

        switch present("query") {
        case .string(let text)?:
            try Self.checkLength(text, field: "query")
            query = text
        case let other?:
            throw TaskError.invalidParams("query must be a string (found \(other.typeName))")
        case nil:
            query = nil
        }

        switch present("multi_label") {
        case .bool(let flag)?: multiLabel = flag
        case let other?: throw TaskError.invalidParams("multi_label must be a boolean (found \(other.typeName))")
        case nil: multiLabel = false
        }

        switch present("hypothesis_template") {
        case .string(let template)?:
            guard template.contains("{}") else {
                throw TaskError.invalidParams("hypothesis_template must contain {} where the category goes (e.g. \"\(Self.defaultTemplate)\")")
            }
            hypothesisTemplate = template
        case let other?:
            throw TaskError.invalidParams("hypothesis_template must be a string containing {} (found \(other.typeName))")
        case nil:
            hypothesisTemplate = Self.defaultTemplate
        }

        switch present("categories") {
        case .array(let elements)?:
            categories = try elements.enumerated().map { try CategorySpec($1, field: "categories[\($0)]") }
        case let other?:
            throw TaskError.invalidParams("categories must be an array of strings or {\"label\", \"description\", \"examples\"} objects (found \(other.typeName))")
        case nil:
            categories = []
        }
        if modelType == .classification {
            guard !categories.isEmpty else {
                throw TaskError.invalidParams("categories is required for classification and must not be empty: give category names, or objects {\"label\", \"description\"?, \"examples\"?}")
            }
            guard categories.count <= Self.maxCategories else {
                throw TaskError.invalidParams("categories: \(categories.count) categories, more than the limit of \(Self.maxCategories)")
            }
            var seen = Set<String>()
            for category in categories where !seen.insert(category.label).inserted {
                throw TaskError.invalidParams("categories: the label '\(category.label)' is given twice")
            }
        }
    }

    /// An array of at most `limit` texts, each within the length limit, every refusal naming the item.
    static func strings(_ elements: [JSONValue], field: String, limit: Int, noun: String) throws -> [String] {
        guard elements.count <= limit else {
            throw TaskError.invalidParams("\(field): \(elements.count) \(noun), more than the limit of \(limit)")
        }
        return try elements.enumerated().map { index, element in
            guard let text = element.stringValue else {
                throw TaskError.invalidParams("\(field)[\(index)] must be a string (found \(element.typeName))")
            }
            try checkLength(text, field: "\(field)[\(index)]")
            return text
        }
    }

    static func checkLength(_ text: String, field: String) throws {
        let count = text.unicodeScalars.count
        guard count <= maxCharacters else {
            throw TaskError.invalidParams("\(field): \(count) characters, over the limit of \(maxCharacters)")
        }
    }
}

/// What `model_type` selects.
enum ModelType: String, Sendable, CaseIterable {
    case sentiment, embedding, similarity, classification
    case entityExtraction = "entity_extraction"

    static var allNames: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// The types that need the MiniLM model files.
    var needsEncoder: Bool { self == .embedding || self == .similarity || self == .classification }
}

/// One category of a classification: a bare label, or a label with a description and examples.
struct CategorySpec: Sendable, Equatable {
    var label: String
    var description: String?
    var examples: [String]

    init(label: String, description: String? = nil, examples: [String] = []) {
        self.label = label
        self.description = description
        self.examples = examples
    }

    init(_ json: JSONValue, field: String) throws {
        switch json {
        case .string(let label):
            guard !label.isEmpty else { throw TaskError.invalidParams("\(field) must not be an empty string") }
            self.init(label: label)
        case .object(let members):
            if let unknown = members.keys.sorted().first(where: { !["label", "description", "examples"].contains($0) }) {
                throw TaskError.invalidParams("\(field): unknown key '\(unknown)' (expected label, description, examples)")
            }
            guard let label = members["label"]?.stringValue, !label.isEmpty else {
                throw TaskError.invalidParams("\(field).label is required: a non-empty string")
            }
            var description: String?
            switch members["description"] {
            case .string(let text)?:
                try InferenceParams.checkLength(text, field: "\(field).description")
                description = text.isEmpty ? nil : text
            case nil, .null?: break
            case let other?: throw TaskError.invalidParams("\(field).description must be a string (found \(other.typeName))")
            }
            var examples: [String] = []
            switch members["examples"] {
            case .array(let elements)?:
                examples = try InferenceParams.strings(elements, field: "\(field).examples", limit: InferenceParams.maxExamples, noun: "examples")
            case nil, .null?: break
            case let other?: throw TaskError.invalidParams("\(field).examples must be an array of strings (found \(other.typeName))")
            }
            self.init(label: label, description: description, examples: examples)
        default:
            throw TaskError.invalidParams("\(field) must be a string or an object {\"label\", \"description\"?, \"examples\"?} (found \(json.typeName))")
        }
    }
}
