/// One recognised span. `start`/`end` are Unicode code-point offsets (a Python `str` index, end
/// exclusive), because the worker's clients are mostly Python and slice with those; `text` is the
/// input's slice over exactly that range.
public struct Entity: Sendable, Equatable {
    public let text: String
    public let type: EntityType
    public let start: Int
    public let end: Int
    /// In [0, 1]: regular-grammar matches high, gazetteer-only medium, capitalisation-only low.
    public let confidence: Double

    public init(text: String, type: EntityType, start: Int, end: Int, confidence: Double) {
        self.text = text
        self.type = type
        self.start = start
        self.end = end
        self.confidence = confidence
    }
}

/// OntoNotes-style labels (as spaCy prints them) plus the structural types a worker is asked for.
public enum EntityType: String, Sendable, CaseIterable {
    case person = "PERSON", org = "ORG", gpe = "GPE", loc = "LOC", date = "DATE", time = "TIME"
    case money = "MONEY", percent = "PERCENT", cardinal = "CARDINAL"
    case email = "EMAIL", url = "URL", phone = "PHONE", ip = "IP"
}
