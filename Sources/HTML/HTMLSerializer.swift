extension HTMLDocument {
    /// The node serialised per the HTML spec's fragment serialisation algorithm (the node itself included).
    public func outerHTML(_ node: HTMLNode) -> String {
        var out: [UInt8] = []
        HTMLSerializer.serialize(self, node, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The node's children serialised (the spec's "HTML fragment serialisation algorithm" proper).
    public func innerHTML(_ node: HTMLNode) -> String {
        var out: [UInt8] = []
        var child = firstChildren[Int(node.index)]
        while child >= 0 {
            HTMLSerializer.serialize(self, HTMLNode(index: child), into: &out)
            child = nextSiblings[Int(child)]
        }
        return String(decoding: out, as: UTF8.self)
    }
}

enum HTMLSerializer {
    /// Elements serialised without an end tag or children.
    static let voidElements: Set<String> = [
        "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img", "input", "keygen",
        "link", "meta", "param", "source", "track", "wbr",
    ]
    /// Text inside these is emitted unescaped. noscript is absent: gumbo parses it with scripting
    /// disabled, so its content is markup, and escaping keeps the output re-parseable to the same tree.
    static let rawTextElements: Set<String> = ["style", "script", "xmp", "iframe", "noembed", "noframes", "plaintext"]

    static func serialize(_ doc: HTMLDocument, _ node: HTMLNode, into out: inout [UInt8]) {
        let i = Int(node.index)
        switch doc.kinds[i] {
        case .document:
            var child = doc.firstChildren[i]
            while child >= 0 {
                serialize(doc, HTMLNode(index: child), into: &out)
                child = doc.nextSiblings[Int(child)]
            }
        case .doctype:
            out.append(contentsOf: "<!DOCTYPE ".utf8)
            out.append(contentsOf: doc.strings[Int(doc.dataStarts[i])].utf8)
            out.append(UInt8(ascii: ">"))
        case .comment:
            out.append(contentsOf: "<!--".utf8)
            out.append(contentsOf: doc.strings[Int(doc.dataStarts[i])].utf8)
            out.append(contentsOf: "-->".utf8)
        case .text:
            let text = doc.strings[Int(doc.dataStarts[i])]
            let parent = doc.parents[i]
            if parent >= 0, doc.kinds[Int(parent)] == .element, doc.namespaces[Int(parent)] == .html,
               rawTextElements.contains(doc.names[Int(doc.nameIDs[Int(parent)])]) {
                out.append(contentsOf: text.utf8)
            } else {
                escape(text, attributeMode: false, into: &out)
            }
        case .element:
            let name = doc.names[Int(doc.nameIDs[i])]
            out.append(UInt8(ascii: "<"))
            out.append(contentsOf: name.utf8)
            for attribute in doc.attributes(node) {
                out.append(UInt8(ascii: " "))
                out.append(contentsOf: attribute.name.utf8)
                out.append(contentsOf: "=\"".utf8)
                escape(attribute.value, attributeMode: true, into: &out)
                out.append(UInt8(ascii: "\""))
            }
            out.append(UInt8(ascii: ">"))
            if doc.namespaces[i] == .html, voidElements.contains(name) { return }
            var child = doc.firstChildren[i]
            while child >= 0 {
                serialize(doc, HTMLNode(index: child), into: &out)
                child = doc.nextSiblings[Int(child)]
            }
            out.append(contentsOf: "</".utf8)
            out.append(contentsOf: name.utf8)
            out.append(UInt8(ascii: ">"))
        }
    }

    /// The spec's "escaping a string": `&`, U+00A0, and `"` (attributes) or `<` `>` (text).
    static func escape(_ s: String, attributeMode: Bool, into out: inout [UInt8]) {
        var previous: UInt8 = 0
        for byte in s.utf8 {
            defer { previous = byte }
            switch byte {
            case UInt8(ascii: "&"): out.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "\"") where attributeMode: out.append(contentsOf: "&quot;".utf8)
            case UInt8(ascii: "<") where !attributeMode: out.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">") where !attributeMode: out.append(contentsOf: "&gt;".utf8)
            case 0xA0 where previous == 0xC2:
                // U+00A0 is C2 A0 in UTF-8: replace the C2 already written.
                out.removeLast()
                out.append(contentsOf: "&nbsp;".utf8)
            default: out.append(byte)
            }
        }
    }
}
