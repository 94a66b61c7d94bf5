/// Attribute selectors, compared on UTF-8 bytes (no String/Character machinery in the hot path).
enum AttributeMatcher {
    /// Attributes whose values the HTML spec ("Case-sensitivity of selectors") says selectors compare
    /// ASCII case-insensitively on HTML elements, unless the selector has the `s` flag.
    static let caseInsensitiveValues: Set<String> = [
        "accept", "accept-charset", "align", "alink", "axis", "bgcolor", "charset", "checked", "clear",
        "codetype", "color", "compact", "declare", "defer", "dir", "direction", "disabled", "enctype", "face",
        "frame", "hreflang", "http-equiv", "lang", "language", "link", "media", "method", "multiple", "nohref",
        "noresize", "noshade", "nowrap", "readonly", "rel", "rev", "rules", "scope", "scrolling", "selected",
        "shape", "target", "text", "type", "valign", "valuetype", "vlink",
    ]

    static func matches(_ selector: AttributeSelector, _ doc: HTMLDocument, _ e: Int) -> Bool {
        let start = Int(doc.dataStarts[e])
        for a in start ..< start + Int(doc.attributeCounts[e]) {
            let attribute = doc.attributeStore[a]
            // Stored names are lowercased by the tokenizer, selector names by the parser.
            guard attribute.name == selector.name else { continue }
            if selector.op == .exists { return true }
            let insensitive = selector.caseFlag
                ?? (doc.namespaces[e] == .html && caseInsensitiveValues.contains(selector.name))
            var value = attribute.value
            return value.withUTF8 { compare(selector.op, $0, selector.value, insensitive) }
        }
        return false
    }

    static func compare(_ op: AttributeOperator, _ value: UnsafeBufferPointer<UInt8>, _ wanted: [UInt8], _ insensitive: Bool) -> Bool {
        switch op {
        case .exists:
            return true
        case .equals:
            return equal(value, wanted, insensitive)
        case .includes:
            if wanted.isEmpty || wanted.contains(where: ASCII.isWhitespace) { return false }
            return value.split(whereSeparator: ASCII.isWhitespace).contains { equal($0, wanted, insensitive) }
        case .dashMatch:
            if equal(value, wanted, insensitive) { return true }
            return value.count > wanted.count
                && value[value.startIndex + wanted.count] == UInt8(ascii: "-")
                && equal(value.prefix(wanted.count), wanted, insensitive)
        case .prefix:
            return !wanted.isEmpty && value.count >= wanted.count && equal(value.prefix(wanted.count), wanted, insensitive)
        case .suffix:
            return !wanted.isEmpty && value.count >= wanted.count && equal(value.suffix(wanted.count), wanted, insensitive)
        case .substring:
            guard !wanted.isEmpty, value.count >= wanted.count else { return false }
            var i = value.startIndex
            while i + wanted.count <= value.endIndex {
                if equal(value[i ..< i + wanted.count], wanted, insensitive) { return true }
                i += 1
            }
            return false
        }
    }

    @inline(__always)
    static func equal<A: Collection<UInt8>, B: Collection<UInt8>>(_ a: A, _ b: B, _ insensitive: Bool) -> Bool {
        guard a.count == b.count else { return false }
        if !insensitive { return a.elementsEqual(b) }
        return zip(a, b).allSatisfy { ASCII.lower($0) == ASCII.lower($1) }
    }
}
