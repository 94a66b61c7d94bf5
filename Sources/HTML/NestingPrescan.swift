/// A quick look at how deep a page's elements nest, before gumbo builds its tree (see
/// `HTMLLimits.maxDepth` for why). It follows start and end tags the way a tokenizer would
/// (comments, quoted attribute values and the raw text of `script`, `style` and the like are
/// stepped over) without building anything. Void elements and those whose end tag HTML lets a
/// page leave out (`p`, `li`, `td`, …) are not counted, so the estimate stays below the real
/// depth of a sloppy page rather than above it; what it catches is a page that opens elements
/// without end.
enum NestingPrescan {
    private static let uncounted: Set<[UInt8]> = Set([
        // void
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr",
        "frame", "keygen", "basefont", "bgsound", "image",
        // end tag optional
        "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "rb", "rt", "rtc", "rp", "tbody", "thead", "tfoot",
        "colgroup", "caption", "html", "head", "body",
    ].map { Array($0.utf8) })
    /// Elements whose content is text up to their own end tag.
    private static let rawText: Set<[UInt8]> = Set(["script", "style", "textarea", "title", "xmp", "iframe", "noembed",
                                                    "noframes", "plaintext"].map { Array($0.utf8) })

    static func exceeds(_ bytes: [UInt8], depth limit: Int) -> Bool {
        var depth = 0
        var i = 0
        let count = bytes.count
        while i < count {
            guard bytes[i] == UInt8(ascii: "<"), i + 1 < count else {
                i += 1
                continue
            }
            let next = bytes[i + 1]
            if next == UInt8(ascii: "!") {
                if i + 3 < count, bytes[i + 2] == UInt8(ascii: "-"), bytes[i + 3] == UInt8(ascii: "-") {
                    i = ASCII.find(Array("-->".utf8), in: bytes, from: i + 4).map { $0 + 3 } ?? count
                } else {
                    i = skipTag(bytes, from: i + 2)
                }
                continue
            }
            let closing = next == UInt8(ascii: "/")
            let nameStart = closing ? i + 2 : i + 1
            guard nameStart < count, ASCII.isLetter(bytes[nameStart]) else {
                i += 1
                continue
            }
            var nameEnd = nameStart
            var name: [UInt8] = []
            while nameEnd < count, !ASCII.isWhitespace(bytes[nameEnd]), bytes[nameEnd] != UInt8(ascii: ">"), bytes[nameEnd] != UInt8(ascii: "/") {
                if name.count < 16 { name.append(ASCII.lower(bytes[nameEnd])) }
                nameEnd += 1
            }
            let end = skipTag(bytes, from: nameEnd)
            i = end
            if uncounted.contains(name) { continue }
            if closing {
                depth = max(0, depth - 1)
                continue
            }
            let selfClosing = end >= 2 && bytes[end - 2] == UInt8(ascii: "/")
            if rawText.contains(name) {
                // Step over the text to the element's own end tag (its end tag is then counted as usual).
                i = ASCII.find(Array("</".utf8) + name, in: bytes, from: end, ignoringCase: true) ?? count
                depth += 1
            } else if !selfClosing {
                depth += 1
            }
            if depth > limit { return true }
        }
        return false
    }

    /// Past the `>` that ends a tag begun before `from`, stepping over quoted attribute values.
    private static func skipTag(_ bytes: [UInt8], from start: Int) -> Int {
        var i = start
        var quote: UInt8 = 0
        while i < bytes.count {
            let byte = bytes[i]
            if quote != 0 {
                if byte == quote { quote = 0 }
            } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                quote = byte
            } else if byte == UInt8(ascii: ">") {
                return i + 1
            }
            i += 1
        }
        return bytes.count
    }
}
