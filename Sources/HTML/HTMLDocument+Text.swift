extension HTMLDocument {
    /// All descendant text concatenated as it is written, like DOM `textContent` (comments excluded,
    /// script and style text included); `normalizedText` collapses its whitespace.
    public func textContent(_ node: HTMLNode) -> String {
        var out = ""
        let i = Int(node.index)
        if kinds[i] == .text { out += strings[Int(dataStarts[i])] }
        for d in descendantRange(node) where kinds[d] == .text {
            out += strings[Int(dataStarts[d])]
        }
        return out
    }

    /// `textContent` with every run of HTML's ASCII whitespace made one space and the ends trimmed.
    public func normalizedText(_ node: HTMLNode) -> String {
        var out: [UInt8] = []
        var pendingSpace = false
        for byte in textContent(node).utf8 {
            if ASCII.isWhitespace(byte) {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(0x20); pendingSpace = false }
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Text roughly as a browser's `innerText` renders it: hidden content skipped, block elements and `<br>`
    /// on their own lines, table cells separated by tabs, whitespace collapsed (kept inside `<pre>`),
    /// lines trimmed, at most one blank line in a row, the whole result trimmed.
    public func innerText(_ node: HTMLNode) -> String {
        var builder = InnerTextBuilder()
        builder.walk(self, node)
        return builder.finish()
    }
}

/// Accumulates innerText output; breaks are requested lazily so that adjacent blocks share one break.
struct InnerTextBuilder {
    /// Elements whose content a browser does not render (display: none or not rendered as text).
    static let skipped: Set<String> = [
        "script", "style", "template", "noscript", "head", "title", "meta", "link", "base",
        "iframe", "noembed", "noframes", "object", "embed", "select", "datalist", "param", "source", "track",
    ]
    static let blocks: Set<String> = [
        "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details", "dialog",
        "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4",
        "h5", "h6", "header", "hgroup", "hr", "html", "legend", "li", "listing", "main", "menu", "nav", "ol",
        "p", "pre", "section", "summary", "table", "tbody", "tfoot", "thead", "tr", "ul", "xmp", "plaintext",
        "option", "textarea",
    ]
    /// Browsers put a blank line around paragraphs and headings ("required line break count" 2).
    static let doubleBreak: Set<String> = ["p", "h1", "h2", "h3", "h4", "h5", "h6"]

    var out: [UInt8] = []
    var pendingBreaks = 0
    var pendingSeparator: UInt8?  // a space or a tab between table cells
    var pendingSpace = false
    var preDepth = 0

    mutating func walk(_ doc: HTMLDocument, _ node: HTMLNode) {
        let i = Int(node.index)
        switch doc.kinds[i] {
        case .text:
            text(doc.strings[Int(doc.dataStarts[i])])
        case .element:
            let name = doc.names[Int(doc.nameIDs[i])]
            if Self.skipped.contains(name) || doc.attribute(node, "hidden") != nil { return }
            if name == "br" { out.append(0x0A); pendingSpace = false; return }
            let isBlock = Self.blocks.contains(name)
            let breaks = Self.doubleBreak.contains(name) ? 2 : 1
            if isBlock { requestBreaks(breaks) }
            if name == "td" || name == "th", doc.previousElementSibling(node) != nil {
                pendingSeparator = 0x09
            }
            let isPre = name == "pre" || name == "textarea" || name == "listing" || name == "plaintext"
            if isPre { preDepth += 1 }
            var child = doc.firstChildren[i]
            while child >= 0 {
                walk(doc, HTMLNode(index: child))
                child = doc.nextSiblings[Int(child)]
            }
            if isPre { preDepth -= 1 }
            if isBlock { requestBreaks(breaks) }
        case .document:
            var child = doc.firstChildren[i]
            while child >= 0 {
                walk(doc, HTMLNode(index: child))
                child = doc.nextSiblings[Int(child)]
            }
        default:
            return
        }
    }

    mutating func requestBreaks(_ n: Int) {
        pendingBreaks = max(pendingBreaks, n)
        pendingSpace = false
        pendingSeparator = nil
    }

    mutating func flushPending() {
        if pendingBreaks > 0 {
            if !out.isEmpty { out.append(contentsOf: repeatElement(0x0A, count: pendingBreaks)) }
            pendingBreaks = 0
            pendingSpace = false
        }
        if let separator = pendingSeparator {
            if !out.isEmpty, out.last != 0x0A { out.append(separator) }
            pendingSeparator = nil
            pendingSpace = false
        }
        if pendingSpace {
            if !out.isEmpty, out.last != 0x0A { out.append(0x20) }
            pendingSpace = false
        }
    }

    mutating func text(_ s: String) {
        for byte in s.utf8 {
            if preDepth > 0 {
                flushPending()
                out.append(byte == 0x0D ? 0x0A : byte)
            } else if ASCII.isWhitespace(byte) {
                pendingSpace = true
            } else {
                flushPending()
                out.append(byte)
            }
        }
    }

    /// Trims every line, keeps at most one blank line between text, trims the whole.
    func finish() -> String {
        var lines: [Substring] = []
        var blank = 0
        for line in String(decoding: out, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingSpaces()
            if trimmed.isEmpty {
                blank += 1
                continue
            }
            if !lines.isEmpty, blank > 0 { lines.append("") }
            blank = 0
            lines.append(trimmed)
        }
        return lines.joined(separator: "\n")
    }
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var s = self
        while let f = s.utf8.first, f == 0x20 || f == 0x09 || f == 0x0D { s = s.dropFirst() }
        while let l = s.utf8.last, l == 0x20 || l == 0x09 || l == 0x0D { s = s.dropLast() }
        return s
    }
}

extension HTMLDocument {
    func previousElementSibling(_ node: HTMLNode) -> HTMLNode? {
        var s = previousSiblings[Int(node.index)]
        while s >= 0 {
            if kinds[Int(s)] == .element { return HTMLNode(index: s) }
            s = previousSiblings[Int(s)]
        }
        return nil
    }

    /// `/html[1]/body[1]/div[2]`: each step is the element's name and its 1-based position among
    /// same-named element siblings (an XPath-like address the tests compare across parsers).
    public func path(_ node: HTMLNode) -> String {
        var steps: [String] = []
        var current: Int32 = node.index
        while current >= 0, kinds[Int(current)] == .element {
            let nameID = nameIDs[Int(current)]
            var position = 1
            var s = previousSiblings[Int(current)]
            while s >= 0 {
                if kinds[Int(s)] == .element, nameIDs[Int(s)] == nameID { position += 1 }
                s = previousSiblings[Int(s)]
            }
            steps.append("/\(names[Int(nameID)])[\(position)]")
            current = parents[Int(current)]
        }
        return steps.reversed().joined()
    }
}
