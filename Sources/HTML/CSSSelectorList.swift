/// A parsed, reusable selector group (`a, b`): parse once, then select in many documents.
public struct CSSSelectorList: Sendable {
    let selectors: [ComplexSelector]
    let limits: SelectorLimits

    public init(_ text: String, limits: SelectorLimits = .init()) throws(SelectorError) {
        if text.utf8.count > limits.maxLength {
            throw .invalid("selector is longer than \(limits.maxLength) bytes", position: limits.maxLength)
        }
        var parser = CSSSelectorParser(text, maxDepth: limits.maxNestingDepth)
        selectors = try parser.parseList()
        self.limits = limits
    }

    /// Elements matching any selector among the descendants of `scope` (default: the whole document), in
    /// document order without duplicates. `matches` stops at `limit`; `total` counts every match.
    public func select(
        in document: HTMLDocument, scope: HTMLNode? = nil, limit: Int = .max
    ) throws(SelectorError) -> (matches: [HTMLNode], total: Int) {
        let matcher = SelectorMatcher(document: document, maxSteps: limits.maxSteps)
        var matches: [HTMLNode] = []
        var total = 0
        let kinds = document.kinds
        for i in document.descendantRange(scope ?? document.root) where kinds[i] == .element {
            if matcher.matchesAny(selectors, i) {
                if total < limit { matches.append(HTMLNode(index: Int32(i))) }
                total += 1
            }
            if matcher.exceeded { throw .tooCostly(limit: limits.maxSteps) }
        }
        return (matches, total)
    }

    /// Whether `node` (an element) matches. A match that exceeds `maxSteps` counts as no match.
    public func matches(_ node: HTMLNode, in document: HTMLDocument) -> Bool {
        guard document.isElement(node) else { return false }
        let matcher = SelectorMatcher(document: document, maxSteps: limits.maxSteps)
        return matcher.matchesAny(selectors, Int(node.index)) && !matcher.exceeded
    }
}
