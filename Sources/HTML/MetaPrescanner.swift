/// The HTML spec's "prescan a byte stream to determine its encoding", simplified: finds the first
/// `<meta charset>` or `<meta http-equiv="content-type" content="...charset=...">` in the given bytes,
/// skipping comments and other tags (so a `charset` inside a comment or script-free tag is not taken).
enum MetaPrescanner {
    static func scan(_ bytes: ArraySlice<UInt8>) -> String? {
        let b = Array(bytes)
        var i = 0
        while i < b.count {
            guard b[i] == UInt8(ascii: "<") else { i += 1; continue }
            if ASCII.hasPrefix(b, at: i, Array("<!--".utf8)) {
                i = ASCII.find(Array("-->".utf8), in: b, from: i + 4).map { $0 + 3 } ?? b.count
            } else if ASCII.hasPrefix(b, at: i, Array("<meta".utf8), ignoringCase: true), i + 5 < b.count,
                      ASCII.isWhitespace(b[i + 5]) || b[i + 5] == UInt8(ascii: "/") {
                var j = i + 5
                var charset: String?, httpEquiv: String?, content: String?
                while let (name, value, next) = attribute(b, j) {
                    j = next
                    switch name {
                    case "charset" where charset == nil: charset = value
                    case "http-equiv" where httpEquiv == nil: httpEquiv = value
                    case "content" where content == nil: content = value
                    default: break
                    }
                }
                if let charset, !charset.isEmpty { return charset }
                if let httpEquiv, ASCII.equalsIgnoringCase(httpEquiv, "content-type"), let content,
                   let label = CharsetSniffer.charsetParameter(Array(content.utf8)) {
                    return label
                }
                i = j
            } else {
                // Any other tag, end tag, `<!...>` or `<?...>`: skip to its `>` (attribute values rarely hold one).
                i = b[(i + 1)...].firstIndex(of: UInt8(ascii: ">")).map { $0 + 1 } ?? b.count
            }
        }
        return nil
    }

    /// Reads one attribute starting at `i`; nil at the tag's end. Names are lowercased.
    private static func attribute(_ b: [UInt8], _ start: Int) -> (String, String, Int)? {
        var i = start
        while i < b.count, ASCII.isWhitespace(b[i]) || b[i] == UInt8(ascii: "/") { i += 1 }
        guard i < b.count, b[i] != UInt8(ascii: ">") else { return nil }
        var name: [UInt8] = []
        while i < b.count, !ASCII.isWhitespace(b[i]), b[i] != UInt8(ascii: "="), b[i] != UInt8(ascii: ">"),
              b[i] != UInt8(ascii: "/") || name.isEmpty {
            name.append(ASCII.lower(b[i])); i += 1
        }
        while i < b.count, ASCII.isWhitespace(b[i]) { i += 1 }
        guard i < b.count, b[i] == UInt8(ascii: "=") else {
            return (String(decoding: name, as: UTF8.self), "", i)
        }
        i += 1
        while i < b.count, ASCII.isWhitespace(b[i]) { i += 1 }
        var value: [UInt8] = []
        if i < b.count, b[i] == UInt8(ascii: "\"") || b[i] == UInt8(ascii: "'") {
            let quote = b[i]
            i += 1
            while i < b.count, b[i] != quote { value.append(b[i]); i += 1 }
            i += 1
        } else {
            while i < b.count, !ASCII.isWhitespace(b[i]), b[i] != UInt8(ascii: ">") { value.append(b[i]); i += 1 }
        }
        return (String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self), min(i, b.count))
    }
}
