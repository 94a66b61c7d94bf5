import Foundation
import HTML

/// Writes a subtree as plain text (block elements on lines of their own, as `innerText` would)
/// or as Markdown (headings, lists, links, emphasis, code blocks and tables), leaving out what
/// `skip` says is not content.
struct ContentRenderer {
    let document: HTMLDocument
    let base: URL?
    let skip: (HTMLNode) -> Bool
    /// Per node (by index): whether a block element is inside it, found in one pass so that
    /// telling inline runs from blocks costs nothing per level.
    private let holdsBlock: [Bool]

    init(document: HTMLDocument, base: URL?, skip: @escaping (HTMLNode) -> Bool) {
        self.document = document
        self.base = base
        self.skip = skip
        // Nodes are stored in document order, children after their parent: from the last node
        // back, each marks its parent before the parent is reached.
        var holds = [Bool](repeating: false, count: document.nodeCount)
        for index in stride(from: document.nodeCount - 1, through: 1, by: -1) {
            let node = HTMLNode(index: Int32(index))
            guard document.kind(node) == .element, let parent = document.parent(node) else { continue }
            if holds[index] || Self.blockElements.contains(document.name(node)) { holds[Int(parent.index)] = true }
        }
        holdsBlock = holds
    }

    /// Elements that start and end a line of their own.
    static let blockElements: Set<String> = [
        "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details", "dialog", "dir", "div", "dl", "dt",
        "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html",
        "legend", "li", "listing", "main", "menu", "nav", "ol", "p", "plaintext", "pre", "section", "summary", "table", "tbody",
        "td", "tfoot", "th", "thead", "tr", "ul", "xmp",
    ]
    /// Blocks set off by a blank line.
    private static let paragraphElements: Set<String> = ["p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "ul", "ol", "dl", "figure", "hr"]
    /// Past this depth a subtree is written as its text only (hostile pages nest without end).
    private static let maxDepth = 256

    // MARK: - Text

    func text(of root: HTMLNode) -> String {
        var out = TextSink()
        writeText(root, into: &out, depth: 0, preformatted: false)
        return out.finish()
    }

    private func writeText(_ node: HTMLNode, into out: inout TextSink, depth: Int, preformatted: Bool) {
        switch document.kind(node) {
        case .text:
            out.append((document.text(node) ?? ""), preformatted: preformatted)
        case .element, .document:
            if document.kind(node) == .element && skip(node) { return }
            let name = document.name(node)
            if name == "br" { return out.lineBreak() }
            if name == "a", Self.isPermalink(PageParts.collapse(document.textContent(node))) { return }
            if name == "hr" { return out.breakLines(2) }
            let block = Self.blockElements.contains(name)
            let gap = Self.paragraphElements.contains(name) ? 2 : 1
            if block { out.breakLines(gap) }
            let pre = preformatted || name == "pre" || name == "textarea" || name == "listing" || name == "xmp"
            var cells = 0
            for child in document.children(node) {
                // Cells of a row are separated by a tab, as innerText does.
                if name == "tr", document.kind(child) == .element, ["td", "th"].contains(document.name(child)), !skip(child) {
                    if cells > 0 { out.append("\t", preformatted: true) }
                    cells += 1
                }
                if depth >= Self.maxDepth {
                    out.append(document.textContent(child), preformatted: pre)
                } else {
                    writeText(child, into: &out, depth: depth + 1, preformatted: pre)
                }
            }
            if block && name != "td" && name != "th" { out.breakLines(gap) }
        default:
            return
        }
    }

    // MARK: - Markdown

    func markdown(of root: HTMLNode) -> String {
        var out = MarkdownSink()
        writeBlock(root, into: &out, depth: 0, listDepth: 0)
        return out.finish()
    }

    private func writeBlock(_ node: HTMLNode, into out: inout MarkdownSink, depth: Int, listDepth: Int) {
        switch document.kind(node) {
        case .text:
            out.inline(Self.escape((document.text(node) ?? "")))
        case .element, .document:
            if document.kind(node) == .element && skip(node) { return }
            if depth >= Self.maxDepth { return out.inline(Self.escape(document.textContent(node))) }
            let name = document.name(node)
            switch name {
            case "h1", "h2", "h3", "h4", "h5", "h6":
                let level = Int(String(name.last!))!
                let text = inlineMarkdown(node, depth: depth)
                guard !text.isEmpty else { return }
                out.paragraph(String(repeating: "#", count: level) + " " + text)
            case "p":
                out.paragraph(inlineMarkdown(node, depth: depth))
            case "pre":
                out.paragraph(codeBlock(node))
            case "blockquote":
                var inner = MarkdownSink()
                for child in document.children(node) { writeBlock(child, into: &inner, depth: depth + 1, listDepth: listDepth) }
                let quoted = inner.finish().split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? ">" : "> " + $0 }
                out.paragraph(quoted.joined(separator: "\n"))
            case "ul", "ol":
                out.paragraph(list(node, ordered: name == "ol", depth: depth, listDepth: listDepth))
            case "table":
                out.paragraph(table(node, depth: depth))
            case "hr":
                out.paragraph("---")
            case "br":
                out.inline("  \n")
            case "dt":
                out.paragraph("**" + inlineMarkdown(node, depth: depth) + "**")
            default:
                if Self.blockElements.contains(name) || name == "#document" || document.kind(node) == .document {
                    // A container: its inline runs are paragraphs, its blocks written as blocks.
                    out.endInline()
                    for child in document.children(node) {
                        if isInline(child) {
                            out.inline(inlineMarkdown(of: child, depth: depth + 1))
                        } else {
                            writeBlock(child, into: &out, depth: depth + 1, listDepth: listDepth)
                        }
                    }
                    out.endInline()
                } else {
                    out.inline(inlineMarkdown(of: node, depth: depth))
                }
            }
        default:
            return
        }
    }

    private func isInline(_ node: HTMLNode) -> Bool {
        switch document.kind(node) {
        case .text: return true
        case .element: return !Self.blockElements.contains(document.name(node)) && !containsBlock(node)
        default: return false
        }
    }

    private func containsBlock(_ node: HTMLNode) -> Bool {
        holdsBlock[Int(node.index)]
    }

    /// The node's children as one line of inline Markdown (blocks inside are joined by spaces).
    private func inlineMarkdown(_ node: HTMLNode, depth: Int) -> String {
        var text = ""
        for child in document.children(node) { text += inlineMarkdown(of: child, depth: depth + 1) }
        return Self.tidy(text)
    }

    private func inlineMarkdown(of node: HTMLNode, depth: Int) -> String {
        switch document.kind(node) {
        case .text:
            return Self.escape((document.text(node) ?? ""))
        case .element:
            if skip(node) { return "" }
            if depth >= Self.maxDepth { return Self.escape(document.textContent(node)) }
            let name = document.name(node)
            let inner = { () -> String in
                var text = ""
                for child in self.document.children(node) { text += self.inlineMarkdown(of: child, depth: depth + 1) }
                return text
            }
            switch name {
            case "br": return "  \n"
            case "em", "i", "cite", "dfn", "var": return Self.wrap(inner(), "*")
            case "strong", "b": return Self.wrap(inner(), "**")
            case "del", "s", "strike": return Self.wrap(inner(), "~~")
            case "code", "kbd", "samp", "tt": return Self.inlineCode(PageParts.collapse(document.textContent(node)))
            case "a":
                let label = Self.tidy(inner())
                if Self.isPermalink(label) { return "" }
                guard let href = document.attribute(node, "href"), let url = PageURL.resolve(href, against: base) else { return label }
                if label.isEmpty { return "" }
                return "[" + label + "](" + Self.destination(url) + ")"
            case "img":
                guard let src = document.attribute(node, "src"), let url = PageURL.resolve(src, against: base) else { return "" }
                return "![" + Self.escape(document.attribute(node, "alt") ?? "") + "](" + Self.destination(url) + ")"
            default:
                let text = inner()
                return Self.blockElements.contains(name) ? " " + text + " " : text
            }
        default:
            return ""
        }
    }

    private func codeBlock(_ node: HTMLNode) -> String {
        let code = document.textContent(node).trimmingCharacters(in: .newlines)
        var language = ""
        let classes = [document.attribute(node, "class")] + document.elementChildren(node).map { document.attribute($0, "class") }
        for case let list? in classes {
            for name in list.split(separator: " ") {
                for prefix in ["language-", "lang-", "highlight-"] where name.hasPrefix(prefix) {
                    language = String(name.dropFirst(prefix.count))
                }
            }
            if !language.isEmpty { break }
        }
        // A fence longer than any run of backticks in the code.
        var longest = 0, run = 0
        for character in code {
            run = character == "`" ? run + 1 : 0
            longest = max(longest, run)
        }
        let fence = String(repeating: "`", count: max(3, longest + 1))
        return fence + language + "\n" + code + "\n" + fence
    }

    private func list(_ node: HTMLNode, ordered: Bool, depth: Int, listDepth: Int) -> String {
        var lines: [String] = []
        var number = Int(document.attribute(node, "start") ?? "") ?? 1
        for item in document.elementChildren(node) where !skip(item) {
            let marker = ordered ? "\(number). " : "- "
            let indent = String(repeating: " ", count: marker.count)
            var inline = ""
            var nested: [String] = []
            for child in document.children(item) {
                if document.kind(child) == .element, ["ul", "ol"].contains(document.name(child)) {
                    nested.append(list(child, ordered: document.name(child) == "ol", depth: depth + 1, listDepth: listDepth + 1))
                } else if document.kind(child) == .element, ["pre", "table", "blockquote"].contains(document.name(child)) {
                    var sink = MarkdownSink()
                    writeBlock(child, into: &sink, depth: depth + 1, listDepth: listDepth + 1)
                    nested.append(sink.finish())
                } else {
                    inline += inlineMarkdown(of: child, depth: depth + 1) + (document.kind(child) == .element && Self.blockElements.contains(document.name(child)) ? " " : "")
                }
            }
            lines.append(marker + Self.tidy(inline))
            for block in nested {
                lines.append(contentsOf: block.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? "" : indent + $0 })
            }
            number += 1
        }
        return lines.joined(separator: "\n")
    }

    /// A GitHub-flavoured table: the first row (or the `thead`'s) is the header, a cell spanning
    /// columns fills them (its text in the first), pipes are escaped, short rows padded.
    private func table(_ node: HTMLNode, depth: Int) -> String {
        var rows: [[String]] = []
        // Rows in document order, through thead/tbody/tfoot but not into nested tables.
        var ordered: [HTMLNode] = []
        var stack = Array(document.elementChildren(node).reversed())
        while let current = stack.popLast() {
            let name = document.name(current)
            if name == "tr" {
                ordered.append(current)
            } else if ["thead", "tbody", "tfoot"].contains(name) {
                stack.append(contentsOf: document.elementChildren(current).reversed())
            }
        }
        for row in ordered {
            var cells: [String] = []
            for cell in document.elementChildren(row) where ["td", "th"].contains(document.name(cell)) {
                let text = Self.tidy(inlineMarkdown(cell, depth: depth + 1).replacingOccurrences(of: "  \n", with: " "))
                    .replacingOccurrences(of: "|", with: "\\|")
                cells.append(text)
                let span = min(max(Int(document.attribute(cell, "colspan") ?? "1") ?? 1, 1), 1000)
                cells.append(contentsOf: repeatElement("", count: span - 1))
            }
            if !cells.isEmpty { rows.append(cells) }
        }
        guard let width = rows.map(\.count).max(), width > 0 else { return "" }
        let padded = rows.map { $0 + repeatElement("", count: width - $0.count) }
        var lines = ["| " + padded[0].joined(separator: " | ") + " |", "|" + repeatElement(" --- |", count: width).joined()]
        for row in padded.dropFirst() { lines.append("| " + row.joined(separator: " | ") + " |") }
        return lines.joined(separator: "\n")
    }

    // MARK: - Pieces

    /// The "¶" or "#" a heading's permalink shows (Sphinx, MkDocs, GitHub): not content.
    static func isPermalink(_ label: String) -> Bool {
        label == "¶" || label == "#" || label == "§" || label == "🔗" || label == "\\#"
    }

    /// Text with Markdown's inline punctuation escaped, whitespace collapsed (not trimmed).
    static func escape(_ text: String) -> String {
        // Scalar by scalar: every text of a page goes through here.
        var out = String.UnicodeScalarView()
        var space = false
        for scalar in text.unicodeScalars {
            switch scalar {
            case " ", "\n", "\t", "\r", "\u{0C}":
                space = true
                continue
            case "\\", "`", "*", "_", "[", "]", "<", ">":
                if space { out.append(" ") }
                out.append("\\")
            default:
                if space { out.append(" ") }
            }
            space = false
            out.append(scalar)
        }
        if space { out.append(" ") }
        return String(out)
    }

    /// Spaces collapsed and trimmed, line breaks kept.
    static func tidy(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { line in
                let hard = line.hasSuffix("  ")
                let collapsed = PageParts.collapse(String(line))
                return hard && !collapsed.isEmpty ? collapsed + "  " : collapsed
            }
            .joined(separator: "\n")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func wrap(_ text: String, _ mark: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return text }
        let lead = text.hasPrefix(" ") ? " " : "", trail = text.hasSuffix(" ") ? " " : ""
        return lead + mark + trimmed + mark + trail
    }

    private static func inlineCode(_ code: String) -> String {
        guard !code.isEmpty else { return "" }
        var longest = 0, run = 0
        for character in code {
            run = character == "`" ? run + 1 : 0
            longest = max(longest, run)
        }
        let fence = String(repeating: "`", count: longest + 1)
        let pad = code.hasPrefix("`") || code.hasSuffix("`") ? " " : ""
        return fence + pad + code + pad + fence
    }

    /// A link destination: in angle brackets when it holds spaces or parentheses.
    private static func destination(_ url: String) -> String {
        url.contains(where: { $0 == " " || $0 == "(" || $0 == ")" }) ? "<" + url + ">" : url
    }
}

/// Plain text being written: collapsed whitespace, and line breaks asked for by blocks merged
/// (two blocks in a row make one blank line, not four).
struct TextSink {
    private var out = ""
    private var pendingBreaks = 0
    private var pendingSpace = false

    mutating func append(_ text: String, preformatted: Bool) {
        for scalar in text.unicodeScalars {
            if !preformatted, scalar == " " || scalar == "\n" || scalar == "\t" || scalar == "\r" || scalar == "\u{0C}" {
                pendingSpace = true
                continue
            }
            if pendingBreaks > 0 || pendingSpace { flush() }
            out.unicodeScalars.append(scalar)
        }
    }

    mutating func lineBreak() {
        out.append("\n")
        pendingSpace = false
    }

    mutating func breakLines(_ count: Int) {
        pendingBreaks = max(pendingBreaks, count)
        pendingSpace = false
    }

    private mutating func flush() {
        if pendingBreaks > 0 {
            if !out.isEmpty {
                // Trailing spaces of the line ending here go.
                while out.last == " " { out.removeLast() }
                let have = out.reversed().prefix(while: { $0 == "\n" }).count
                if have < pendingBreaks { out.append(String(repeating: "\n", count: pendingBreaks - have)) }
            }
            pendingBreaks = 0
            pendingSpace = false
        } else if pendingSpace {
            if !out.isEmpty && out.last != "\n" && out.last != "\t" { out.append(" ") }
            pendingSpace = false
        }
    }

    func finish() -> String {
        out.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .joined(separator: "\n")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Markdown being written: blocks separated by one blank line, inline runs gathered into paragraphs.
struct MarkdownSink {
    private var blocks: [String] = []
    private var line = ""

    mutating func inline(_ text: String) { line += text }

    mutating func endInline() {
        let text = ContentRenderer.tidy(line)
        if !text.isEmpty { blocks.append(text) }
        line = ""
    }

    mutating func paragraph(_ text: String) {
        endInline()
        if !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { blocks.append(text) }
    }

    mutating func finish() -> String {
        endInline()
        return blocks.joined(separator: "\n\n")
    }
}
