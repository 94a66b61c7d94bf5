/// The parsed form of selectors (Selectors Level 4 subset). Built by `CSSSelectorParser`, run by `SelectorMatcher`.

enum Combinator: Sendable {
    case descendant, child, nextSibling, subsequentSibling
}

/// `a > b c`: compounds left to right, `combinators[i]` sits between `compounds[i]` and `compounds[i + 1]`.
/// Matching starts at the last compound (right to left), the usual way: most candidates fail there at once.
struct ComplexSelector: Sendable {
    var compounds: [CompoundSelector]
    var combinators: [Combinator]
}

/// A type selector (nil = universal) plus simple selectors, all of which must match one element.
struct CompoundSelector: Sendable {
    /// Lowercased local name; elements' names are stored lowercased, so this is a plain comparison.
    var tag: String?
    var simples: [SimpleSelector]
}

enum AttributeOperator: Sendable {
    case exists, equals, includes, dashMatch, prefix, suffix, substring
}

struct AttributeSelector: Sendable {
    var name: String  // lowercased
    var op: AttributeOperator
    var value: [UInt8]
    /// The `i`/`s` flag; nil means the HTML default for this attribute name.
    var caseFlag: Bool?  // true = insensitive, false = sensitive
}

/// `:nth-child(an+b of S)` and relatives.
struct NthSelector: Sendable {
    var a: Int
    var b: Int
    var fromEnd: Bool
    var ofType: Bool
    var of: [ComplexSelector]?

    func matches(position: Int) -> Bool {
        if a == 0 { return position == b }
        let diff = position - b
        return diff % a == 0 && diff / a >= 0
    }
}

enum PseudoClass: Sendable {
    case firstChild, lastChild, onlyChild, firstOfType, lastOfType, onlyOfType
    case empty, root, checked, disabled, enabled, link
}

indirect enum SimpleSelector: Sendable {
    case id(String)
    case className(String)
    case attribute(AttributeSelector)
    case pseudo(PseudoClass)
    case nth(NthSelector)
    case not([ComplexSelector])
    /// `:is()` and `:where()` (they differ only in specificity, which selection does not use).
    case isAny([ComplexSelector])
    /// `:has()`; each relative selector is stored with a leading `.anchor` compound for the `:has` subject.
    case has([ComplexSelector])
    /// Matches only the element `:has()` is being evaluated for (internal).
    case anchor
}
