/// A recursive-descent parser for the supported Selectors Level 4 subset, over UTF-8 bytes.
///
/// Errors say what was expected and the 0-based byte offset where, so users can fix their selector;
/// pseudo-class nesting is capped (`SelectorLimits.maxNestingDepth`) because the matcher recurses on it.
struct CSSSelectorParser {
    private let s: [UInt8]
    private var pos = 0
    private var depth = 0
    private let maxDepth: Int

    init(_ text: String, maxDepth: Int) {
        s = Array(text.utf8)
        self.maxDepth = maxDepth
    }

    mutating func parseList() throws(SelectorError) -> [ComplexSelector] {
        let list = try selectorList(relative: false)
        if pos < s.count { throw unexpected() }
        return list
    }

    // MARK: - Grammar

    private mutating func selectorList(relative: Bool) throws(SelectorError) -> [ComplexSelector] {
        var list: [ComplexSelector] = []
        while true {
            skipWhitespace()
            list.append(relative ? try relativeSelector() : try complex(leading: nil))
            skipWhitespace()
            guard peek == UInt8(ascii: ",") else { return list }
            pos += 1
        }
    }

    /// `:has()` arguments: an optional leading combinator, anchored to the `:has` subject.
    private mutating func relativeSelector() throws(SelectorError) -> ComplexSelector {
        var combinator = Combinator.descendant
        var symbol: String?
        if let c = peek, let explicit = Self.combinator(c) {
            combinator = explicit
            symbol = String(UnicodeScalar(c))
            pos += 1
            skipWhitespace()
        }
        let rest = try complex(leading: symbol)
        return ComplexSelector(
            compounds: [CompoundSelector(tag: nil, simples: [.anchor])] + rest.compounds,
            combinators: [combinator] + rest.combinators)
    }

    private mutating func complex(leading: String?) throws(SelectorError) -> ComplexSelector {
        var compounds = [try compound(after: leading)]
        var combinators: [Combinator] = []
        while true {
            let hadSpace = skipWhitespace()
            guard let c = peek, c != UInt8(ascii: ","), c != UInt8(ascii: ")") else { break }
            if let explicit = Self.combinator(c) {
                pos += 1
                skipWhitespace()
                combinators.append(explicit)
                compounds.append(try compound(after: String(UnicodeScalar(c))))
            } else if hadSpace {
                combinators.append(.descendant)
                compounds.append(try compound(after: nil))
            } else {
                throw unexpected()
            }
        }
        return ComplexSelector(compounds: compounds, combinators: combinators)
    }

    private static func combinator(_ c: UInt8) -> Combinator? {
        switch c {
        case UInt8(ascii: ">"): .child
        case UInt8(ascii: "+"): .nextSibling
        case UInt8(ascii: "~"): .subsequentSibling
        default: nil
        }
    }

    private mutating func compound(after combinator: String?) throws(SelectorError) -> CompoundSelector {
        var result = CompoundSelector(tag: nil, simples: [])
        var empty = true
        if peek == UInt8(ascii: "*") {
            pos += 1
            empty = false
        } else if let name = identifier() {
            result.tag = ASCII.lowercased(name)
            empty = false
        }
        if peek == UInt8(ascii: "|") { throw .invalid("namespace prefixes are not supported", position: pos) }
        loop: while let c = peek {
            switch c {
            case UInt8(ascii: "#"):
                pos += 1
                guard let name = name() else { throw .invalid("expected an id after '#'", position: pos) }
                result.simples.append(.id(name))
            case UInt8(ascii: "."):
                pos += 1
                guard let name = identifier() else { throw .invalid("expected a class name after '.'", position: pos) }
                result.simples.append(.className(name))
            case UInt8(ascii: "["):
                pos += 1
                result.simples.append(.attribute(try attribute()))
            case UInt8(ascii: ":"):
                pos += 1
                result.simples.append(try pseudoClass())
            default:
                break loop
            }
            empty = false
        }
        if empty {
            if let combinator { throw .invalid("expected a selector after '\(combinator)'", position: pos) }
            if pos >= s.count || peek == UInt8(ascii: ",") || peek == UInt8(ascii: ")") {
                throw .invalid("expected a selector", position: pos)
            }
            throw unexpected()
        }
        return result
    }

    private mutating func attribute() throws(SelectorError) -> AttributeSelector {
        skipWhitespace()
        guard let rawName = identifier() else { throw .invalid("expected an attribute name after '['", position: pos) }
        if peek == UInt8(ascii: "|"), byte(at: pos + 1) != UInt8(ascii: "=") {
            throw .invalid("namespace prefixes are not supported", position: pos)
        }
        let name = ASCII.lowercased(rawName)
        skipWhitespace()
        guard let c = peek else { throw .invalid("expected ']'", position: pos) }
        if c == UInt8(ascii: "]") {
            pos += 1
            return AttributeSelector(name: name, op: .exists, value: [], caseFlag: nil)
        }
        let op: AttributeOperator
        switch c {
        case UInt8(ascii: "="): op = .equals
        case UInt8(ascii: "~"): op = .includes
        case UInt8(ascii: "|"): op = .dashMatch
        case UInt8(ascii: "^"): op = .prefix
        case UInt8(ascii: "$"): op = .suffix
        case UInt8(ascii: "*"): op = .substring
        default: throw .invalid("expected an attribute operator or ']'", position: pos)
        }
        pos += 1
        if op != .equals {
            guard peek == UInt8(ascii: "=") else { throw .invalid("expected '=' after '\(UnicodeScalar(c))'", position: pos) }
            pos += 1
        }
        skipWhitespace()
        let value: String
        if peek == UInt8(ascii: "\"") || peek == UInt8(ascii: "'") {
            value = try string()
        } else if let ident = identifier() {
            value = ident
        } else {
            throw .invalid("expected an attribute value", position: pos)
        }
        skipWhitespace()
        var flag: Bool?
        if let f = peek, ASCII.lower(f) == UInt8(ascii: "i") || ASCII.lower(f) == UInt8(ascii: "s"),
           byte(at: pos + 1).map({ $0 == UInt8(ascii: "]") || ASCII.isWhitespace($0) }) ?? false {
            flag = ASCII.lower(f) == UInt8(ascii: "i")
            pos += 1
            skipWhitespace()
        }
        guard peek == UInt8(ascii: "]") else { throw .invalid("expected ']'", position: pos) }
        pos += 1
        return AttributeSelector(name: name, op: op, value: Array(value.utf8), caseFlag: flag)
    }

    private mutating func pseudoClass() throws(SelectorError) -> SimpleSelector {
        let start = pos - 1
        if peek == UInt8(ascii: ":") { throw .invalid("pseudo-elements are not supported", position: start) }
        guard let raw = identifier() else { throw .invalid("expected a pseudo-class name after ':'", position: pos) }
        let name = ASCII.lowercased(raw)
        let simple: [String: PseudoClass] = [
            "first-child": .firstChild, "last-child": .lastChild, "only-child": .onlyChild,
            "first-of-type": .firstOfType, "last-of-type": .lastOfType, "only-of-type": .onlyOfType,
            "empty": .empty, "root": .root, "checked": .checked, "disabled": .disabled, "enabled": .enabled,
            "link": .link, "any-link": .link,
        ]
        let functional = ["nth-child", "nth-last-child", "nth-of-type", "nth-last-of-type", "not", "is", "where", "has"]
        if let pseudo = simple[name] {
            if peek == UInt8(ascii: "(") { throw .invalid("':\(name)' takes no arguments", position: pos) }
            return .pseudo(pseudo)
        }
        guard functional.contains(name) else { throw .invalid("unknown pseudo-class ':\(raw)'", position: start) }
        guard peek == UInt8(ascii: "(") else { throw .invalid("expected '(' after ':\(name)'", position: pos) }
        pos += 1
        depth += 1
        if depth > maxDepth { throw .invalid("selector nesting is deeper than \(maxDepth) levels", position: pos) }
        defer { depth -= 1 }
        skipWhitespace()
        let result: SimpleSelector
        switch name {
        case "not": result = .not(try selectorList(relative: false))
        case "is", "where": result = .isAny(try selectorList(relative: false))
        case "has": result = .has(try selectorList(relative: true))
        default:
            var nth = try anPlusB()
            nth.fromEnd = name.contains("last")
            nth.ofType = name.hasSuffix("of-type")
            skipWhitespace()
            if !nth.ofType, let c = peek, ASCII.lower(c) == UInt8(ascii: "o"), byte(at: pos + 1).map(ASCII.lower) == UInt8(ascii: "f"),
               byte(at: pos + 2).map(ASCII.isWhitespace) ?? false {
                pos += 2
                skipWhitespace()
                nth.of = try selectorList(relative: false)
            }
            result = .nth(nth)
        }
        skipWhitespace()
        guard peek == UInt8(ascii: ")") else { throw .invalid("expected ')' to close ':\(name)('", position: pos) }
        pos += 1
        return result
    }

    /// `odd`, `even`, `an+b`, `-n+3`, `+5`, `n`, with optional spaces around the sign of b.
    private mutating func anPlusB() throws(SelectorError) -> NthSelector {
        let start = pos
        var nth = NthSelector(a: 0, b: 0, fromEnd: false, ofType: false, of: nil)
        if let word = peekWord(), word == "odd" || word == "even" {
            pos += word.utf8.count
            nth.a = 2
            nth.b = word == "odd" ? 1 : 0
            return nth
        }
        var sign = 1
        if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") {
            sign = peek == UInt8(ascii: "-") ? -1 : 1
            pos += 1
        }
        let digits = integer()
        if let c = peek, ASCII.lower(c) == UInt8(ascii: "n") {
            pos += 1
            nth.a = sign * (digits ?? 1)
            let save = pos
            skipWhitespace()
            if let c = peek, c == UInt8(ascii: "+") || c == UInt8(ascii: "-") {
                pos += 1
                skipWhitespace()
                guard let b = integer() else { throw .invalid("expected a number in an+b", position: pos) }
                nth.b = c == UInt8(ascii: "-") ? -b : b
            } else {
                pos = save
            }
            return nth
        }
        guard let digits else { throw .invalid("expected an+b, odd or even", position: start) }
        nth.b = sign * digits
        return nth
    }

    private mutating func integer() -> Int? {
        var value = 0, count = 0
        while let c = peek, c >= 0x30, c <= 0x39 {
            if count < 9 { value = value * 10 + Int(c - 0x30) }  // saturate: positions never get that large
            count += 1
            pos += 1
        }
        return count > 0 ? value : nil
    }

    private func peekWord() -> String? {
        var end = pos
        while end < s.count, (s[end] | 0x20) >= 0x61, (s[end] | 0x20) <= 0x7A { end += 1 }
        return end > pos ? ASCII.lowercased(String(decoding: s[pos ..< end], as: UTF8.self)) : nil
    }

    // MARK: - Tokens (CSS Syntax: identifiers, strings, escapes)

    private var peek: UInt8? { pos < s.count ? s[pos] : nil }
    private func byte(at i: Int) -> UInt8? { i < s.count ? s[i] : nil }

    @discardableResult
    private mutating func skipWhitespace() -> Bool {
        let start = pos
        while let c = peek, ASCII.isWhitespace(c) { pos += 1 }
        return pos > start
    }

    private func isNameStart(_ c: UInt8) -> Bool {
        (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A || c == UInt8(ascii: "_") || c >= 0x80
    }

    private func isNameChar(_ c: UInt8) -> Bool {
        isNameStart(c) || (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: "-")
    }

    private func isValidEscape(_ i: Int) -> Bool {
        byte(at: i) == UInt8(ascii: "\\") && byte(at: i + 1).map { $0 != 0x0A && $0 != 0x0C && $0 != 0x0D } ?? false
    }

    /// An identifier (CSS "would start an identifier" rules), escapes decoded; nil leaves `pos` untouched.
    private mutating func identifier() -> String? {
        guard let c = peek else { return nil }
        let startsIdent: Bool
        if c == UInt8(ascii: "-") {
            let next = byte(at: pos + 1)
            startsIdent = next.map { isNameStart($0) || $0 == UInt8(ascii: "-") } ?? false || isValidEscape(pos + 1)
        } else {
            startsIdent = isNameStart(c) || isValidEscape(pos)
        }
        return startsIdent ? name() : nil
    }

    /// A run of name characters and escapes (what follows `#`); nil if empty.
    private mutating func name() -> String? {
        var out: [UInt8] = []
        while let c = peek {
            if isNameChar(c) {
                out.append(c)
                pos += 1
            } else if isValidEscape(pos) {
                pos += 1
                out.append(contentsOf: escape())
            } else {
                break
            }
        }
        return out.isEmpty ? nil : String(decoding: out, as: UTF8.self)
    }

    /// After a backslash: up to 6 hex digits (plus one optional whitespace) or one literal character.
    private mutating func escape() -> [UInt8] {
        var value: UInt32 = 0, digits = 0
        while digits < 6, let c = peek, let h = Self.hex(c) {
            value = value * 16 + h
            digits += 1
            pos += 1
        }
        if digits > 0 {
            if let c = peek, ASCII.isWhitespace(c) { pos += 1 }
            let scalar = (value == 0 || (0xD800 ... 0xDFFF).contains(value) || value > 0x10FFFF) ? 0xFFFD : value
            return Array(String(Character(Unicode.Scalar(scalar)!)).utf8)
        }
        guard pos < s.count else { return [0xEF, 0xBF, 0xBD] }
        // One literal code point (may be multi-byte UTF-8).
        var length = 1
        let lead = s[pos]
        if lead >= 0xF0 { length = 4 } else if lead >= 0xE0 { length = 3 } else if lead >= 0xC0 { length = 2 }
        let end = min(pos + length, s.count)
        defer { pos = end }
        return Array(s[pos ..< end])
    }

    private static func hex(_ c: UInt8) -> UInt32? {
        switch c {
        case 0x30 ... 0x39: UInt32(c - 0x30)
        case 0x41 ... 0x46: UInt32(c - 0x41 + 10)
        case 0x61 ... 0x66: UInt32(c - 0x61 + 10)
        default: nil
        }
    }

    private mutating func string() throws(SelectorError) -> String {
        let quote = s[pos]
        let start = pos
        pos += 1
        var out: [UInt8] = []
        while let c = peek {
            if c == quote {
                pos += 1
                return String(decoding: out, as: UTF8.self)
            }
            if c == 0x0A { break }
            if c == UInt8(ascii: "\\") {
                if let next = byte(at: pos + 1), next == 0x0A || next == 0x0C || next == 0x0D {
                    pos += 2  // escaped newline: line continuation
                    continue
                }
                pos += 1
                out.append(contentsOf: escape())
                continue
            }
            out.append(c)
            pos += 1
        }
        throw .invalid("unterminated string starting", position: start)
    }

    private func unexpected() -> SelectorError {
        guard pos < s.count else { return .invalid("unexpected end of selector", position: pos) }
        var end = pos + 1
        while end < s.count, s[end] & 0xC0 == 0x80 { end += 1 }
        return .invalid("unexpected '\(String(decoding: s[pos ..< end], as: UTF8.self))'", position: pos)
    }
}
