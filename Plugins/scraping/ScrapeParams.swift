import PluginKit

/// A `web_scraping` task's parameters, checked beyond the schema (the scheme of `url`, the
/// names in `extract`, the caps of `max_bytes` and `timeout_s`) by `ScrapeRequest`.
struct ScrapeParams: Decodable, Sendable {
    var url: String
    var selector: String?
    var headers: [String: String]?
    var extract: [String]?
    var limit: Int?
    var timeout_s: Double?
    var max_bytes: Int?
    var respect_robots: Bool?
    var user_agent: String?

    static let schema = #"""
    {"type":"object","additionalProperties":false,"required":["url"],
     "properties":{
       "url":{"type":"string","minLength":1,"maxLength":8192},
       "selector":{"type":"string","minLength":1,"maxLength":2000},
       "headers":{"type":"object","additionalProperties":{"type":"string","maxLength":8192},"maxProperties":64},
       "extract":{"type":"array","minItems":1,"uniqueItems":true,
                  "items":{"enum":["text","html","attrs","links","content","markdown","metadata"]}},
       "limit":{"type":"integer","minimum":1,"maximum":10000},
       "timeout_s":{"type":"number","exclusiveMinimum":0,"maximum":3600},
       "max_bytes":{"type":"integer","minimum":1,"maximum":1073741824},
       "respect_robots":{"type":"boolean"},
       "user_agent":{"type":"string","minLength":1,"maxLength":512}}}
    """#
}

/// What a scrape produces: which parts the caller asked for.
struct ExtractSet: OptionSet, Sendable {
    let rawValue: Int
    static let text = ExtractSet(rawValue: 1)
    static let html = ExtractSet(rawValue: 2)
    static let attrs = ExtractSet(rawValue: 4)
    static let links = ExtractSet(rawValue: 8)
    static let content = ExtractSet(rawValue: 16)
    static let markdown = ExtractSet(rawValue: 32)
    static let metadata = ExtractSet(rawValue: 64)

    static let names: [(String, ExtractSet)] = [
        ("text", .text), ("html", .html), ("attrs", .attrs), ("links", .links), ("content", .content),
        ("markdown", .markdown), ("metadata", .metadata),
    ]

    /// `extract` as given, or the default: the matches' text with a selector, else the page's
    /// main content and metadata.
    init(_ names: [String]?, hasSelector: Bool) throws {
        guard let names else {
            self = hasSelector ? .text : [.content, .metadata]
            return
        }
        var set: ExtractSet = []
        for name in names {
            guard let member = Self.names.first(where: { $0.0 == name })?.1 else {
                throw TaskError.invalidParams("extract: unknown part '\(name)' (one of \(Self.names.map(\.0).joined(separator: ", ")))")
            }
            set.insert(member)
        }
        self = set
    }

    init(rawValue: Int) { self.rawValue = rawValue }
}
