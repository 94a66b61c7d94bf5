/// Rule and gazetteer named-entity recognition. Each scanner proposes candidate spans; the
/// `SpanResolver` keeps a non-overlapping set (strongest evidence, then longest span). Every
/// scanner is a single left-to-right pass with bounded look-ahead, so a text costs O(n) plus
/// hash lookups; nothing backtracks.
public struct EntityRecognizer: Sendable {
    public let gazetteer: Gazetteer

    public init(gazetteer: Gazetteer) {
        self.gazetteer = gazetteer
    }

    /// Entities of `text`, sorted by start, with code-point offsets.
    public func entities(in text: String) -> [Entity] {
        let cps = codePoints(text)
        guard !cps.isEmpty else { return [] }
        var candidates: [Candidate] = []
        candidates.reserveCapacity(cps.count / 16)
        URLScanner.scan(cps, into: &candidates)
        EmailScanner.scan(cps, into: &candidates)
        IPScanner.scan(cps, into: &candidates)
        PhoneScanner.scan(cps, into: &candidates)
        NumericDateTimeScanner.scan(cps, into: &candidates)
        let tokens = Tokenizer.tokenize(cps)
        WrittenDateScanner(tokens: tokens).scan(into: &candidates)
        QuantityScanner(tokens: tokens, cps: cps, currencyCodes: gazetteer.currencyCodes).scan(into: &candidates)
        GazetteerMatcher(tokens: tokens, table: gazetteer.phrases, firstNames: gazetteer.firstNames,
                         surnames: gazetteer.surnames).scan(into: &candidates)
        OrganizationMatcher(tokens: tokens).scan(into: &candidates)
        PersonMatcher(tokens: tokens, firstNames: gazetteer.firstNames, surnames: gazetteer.surnames).scan(into: &candidates)
        return SpanResolver.resolve(candidates, textLength: cps.count).map { c in
            Entity(text: slice(cps, c.start, c.end), type: c.type, start: c.start, end: c.end, confidence: c.confidence)
        }
    }
}
