import PluginKit
import PluginFetch

enum DocumentType: String, Sendable, CaseIterable {
    case pdf, docx, txt
}

enum DocumentOperation: String, Sendable, CaseIterable {
    case extractText = "extract_text", analyze, summarize
}

enum OutputFormat: String, Sendable, CaseIterable {
    case text, markdown
}

enum OCRMode: String, Sendable, CaseIterable {
    case auto, always, never
}

/// Where the document's bytes come from: exactly one of `content`, `path`, `url`.
enum DocumentOrigin: Sendable {
    /// Decoded base64, or the text itself (`isText`).
    case content([UInt8], isText: Bool)
    case path(String)
    case url(String)
}

/// A `document_processing` task's parameters, read from the parsed JSON when the task is submitted,
/// so every refusal is a 422 naming the field.
struct DocumentParams: Decodable, Sendable, CustomParameterDecoding {
    var origin: DocumentOrigin
    var documentType: DocumentType?
    var operation: DocumentOperation
    var pages: PageSelection?
    var format: OutputFormat
    var password: String?
    var maxSentences: Int
    var ocr: OCRMode
    /// tesseract language codes, e.g. ["eng", "deu"].
    var languages: [String]

    static let keys = ["content", "content_encoding", "path", "url", "document_type", "operation", "pages", "format",
                       "password", "max_sentences", "ocr", "languages"]
    static let maxSentencesLimit = 100

    /// Checked by the host when a task is submitted (a 422 naming the field): exactly one source,
    /// the choices, the shape of `pages`, and `languages` among the OCR data installed here.
    static var schema: String {
        let installed = TesseractData.installedLanguages.sorted()
        let names = installed.isEmpty ? "eng" : installed.joined(separator: "|")
        let languageList = installed.isEmpty ? #"["eng"]"# : "[" + installed.map { "\"\($0)\"" }.joined(separator: ",") + "]"
        return #"""
        {"type":"object","additionalProperties":false,
         "anyOf":[{"required":["content"]},{"required":["path"]},{"required":["url"]}],
         "allOf":[{"if":{"required":["content"]},"then":{"properties":{"path":false,"url":false}}},
                  {"if":{"required":["path"]},"then":{"properties":{"url":false}}}],
         "properties":{
           "content":{"type":"string"},
           "content_encoding":{"enum":["base64","text"]},
           "path":{"type":"string","minLength":1,"maxLength":4096},
           "url":{"type":"string","minLength":1,"maxLength":8192,"pattern":"^[Hh][Tt][Tt][Pp][Ss]?://"},
           "document_type":{"enum":["pdf","docx","txt"]},
           "operation":{"enum":["extract_text","analyze","summarize"]},
           "pages":{"type":["string","integer"],"minimum":1,
                    "pattern":"^ *[1-9][0-9]* *(- *([1-9][0-9]*)? *)?(, *[1-9][0-9]* *(- *([1-9][0-9]*)? *)?)*$"},
           "format":{"enum":["text","markdown"]},
           "password":{"type":"string","maxLength":1024},
           "max_sentences":{"type":"integer","minimum":1,"maximum":100},
           "ocr":{"enum":["auto","always","never"]},
           "languages":{"type":["string","array"],"minItems":1,"items":{"enum":\#(languageList)},
                        "pattern":"^(\#(names))([+](\#(names)))*$"}}}
        """#
    }

    static func decodeParameters(from json: JSONValue) throws -> DocumentParams {
        try DocumentParams(json)
    }

    init(_ json: JSONValue) throws {
        guard case .object(let members) = json else { throw TaskError.invalidParams("the parameters must be a JSON object") }
        if let unknown = members.keys.sorted().first(where: { !Self.keys.contains($0) }) {
            throw TaskError.invalidParams("unknown parameter '\(unknown)' (expected one of: \(Self.keys.joined(separator: ", ")))")
        }
        func string(_ key: String) throws -> String? {
            switch members[key] {
            case nil, .null?: return nil
            case .string(let text)?: return text
            case let other?: throw TaskError.invalidParams("\(key) must be a string (found \(other.typeName))")
            }
        }
        func choice<T: RawRepresentable & CaseIterable>(_ key: String, _: T.Type) throws -> T? where T.RawValue == String {
            guard let text = try string(key) else { return nil }
            guard let value = T(rawValue: text) else {
                throw TaskError.invalidParams("\(key) must be one of \(T.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")) (found '\(text)')")
            }
            return value
        }

        documentType = try choice("document_type", DocumentType.self)
        operation = try choice("operation", DocumentOperation.self) ?? .extractText
        format = try choice("format", OutputFormat.self) ?? .text
        ocr = try choice("ocr", OCRMode.self) ?? .auto
        password = try string("password")

        let sources = ["content", "path", "url"].filter { members[$0] != nil && members[$0] != .null }
        guard sources.count == 1 else {
            throw TaskError.invalidParams(sources.isEmpty
                ? "one source is required: content (base64, or text for txt), path (under DOCUMENTS_DIR) or url"
                : "give exactly one source, not \(sources.joined(separator: " and "))")
        }
        let encoding = try string("content_encoding")
        if encoding != nil && sources[0] != "content" {
            throw TaskError.invalidParams("content_encoding applies to content only")
        }
        switch sources[0] {
        case "content":
            let content = try string("content") ?? ""
            let asText = encoding.map { $0 == "text" } ?? (documentType == .txt)
            if let encoding, encoding != "text" && encoding != "base64" {
                throw TaskError.invalidParams("content_encoding must be 'base64' or 'text' (found '\(encoding)')")
            }
            if asText {
                origin = .content(Array(content.utf8), isText: true)
            } else {
                guard let bytes = Base64.decode(content) else {
                    throw TaskError.invalidParams("content is not valid base64 (send plain text with document_type 'txt' or content_encoding 'text')")
                }
                origin = .content(bytes, isText: false)
            }
        case "path":
            guard let path = try string("path"), !path.isEmpty, !path.contains("\0") else {
                throw TaskError.invalidParams("path must be a non-empty file name under DOCUMENTS_DIR")
            }
            origin = .path(path)
        default:
            guard let url = try string("url"), !url.isEmpty else { throw TaskError.invalidParams("url must be a non-empty http(s) URL") }
            let lower = url.lowercased()
            guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
                throw TaskError.invalidParams("url: only http and https URLs are fetched")
            }
            origin = .url(url)
        }

        switch members["pages"] {
        case nil, .null?:
            pages = nil
        case .string(let text)?:
            switch PageSelection.parse(text) {
            case .success(let selection): pages = selection
            case .failure(let error): throw TaskError.invalidParams("pages: \(error.reason) (examples: \"1-3,7\", \"5-\", 2)")
            }
        case .number(let number)?:
            guard number == number.rounded(), number >= 1, number <= 1e9 else {
                throw TaskError.invalidParams("pages: a page number must be a whole number from 1")
            }
            pages = PageSelection(ranges: [(Int(number), Int(number))])
        case let other?:
            throw TaskError.invalidParams("pages must be a string like \"1-3,7\" or a page number (found \(other.typeName))")
        }

        switch members["max_sentences"] {
        case nil, .null?:
            maxSentences = 5
        case let value?:
            guard let number = value.doubleValue, number == number.rounded(), number >= 1, number <= Double(Self.maxSentencesLimit) else {
                throw TaskError.invalidParams("max_sentences must be a whole number from 1 to \(Self.maxSentencesLimit)")
            }
            maxSentences = Int(number)
        }

        switch members["languages"] {
        case nil, .null?:
            languages = ["eng"]
        case .string(let text)?:
            languages = text.split(separator: "+").map(String.init)
        case .array(let items)?:
            languages = try items.map { item in
                guard let code = item.stringValue else { throw TaskError.invalidParams("languages must be strings like \"eng\"") }
                return code
            }
        case let other?:
            throw TaskError.invalidParams("languages must be \"eng+deu\" or a list of codes (found \(other.typeName))")
        }
        guard !languages.isEmpty else { throw TaskError.invalidParams("languages must name at least one OCR language") }
        let installed = TesseractData.installedLanguages
        for code in languages where !installed.contains(code) {
            let list = installed.sorted().joined(separator: ", ")
            throw TaskError.invalidParams("languages: no OCR data for '\(code)' on this worker (installed: \(list.isEmpty ? "none" : list); Debian packages tesseract-ocr-<code>)")
        }
    }
}
