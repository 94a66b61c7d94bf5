extension DocxDocument {
    /// Markdown: Title → "#", Heading N → N+1 "#"s (capped at 6) when a Title exists, else N; list items
    /// as "-" or "1." indented two spaces a level; tables as pipe tables (first row as header, merged
    /// cells repeated so columns stay aligned, pipes escaped, line breaks as <br>); links as [text](url);
    /// footnotes and endnotes as a trailing list, comments as blockquotes.
    public var markdown: String {
        let hasTitle = paragraphs.contains { $0.headingLevel == 0 }
        var out: [String] = []
        Self.appendMarkdown(body, headingShift: hasTitle ? 1 : 0, to: &out)
        if !footnotes.isEmpty || !endnotes.isEmpty {
            out.append("---")
            for note in footnotes { out.append("[^\(note.id)]: " + Self.inlineMarkdown(note.blocks)) }
            for note in endnotes { out.append("[^e\(note.id)]: " + Self.inlineMarkdown(note.blocks)) }
        }
        for comment in comments {
            out.append("> **Comment\(comment.author.map { " by " + Self.escape($0) } ?? "")**: " + Self.inlineMarkdown(comment.blocks))
        }
        return out.joined(separator: "\n\n") + (out.isEmpty ? "" : "\n")
    }

    static func appendMarkdown(_ blocks: [DocxBlock], headingShift: Int, to out: inout [String]) {
        for block in blocks {
            switch block {
            case let .paragraph(p):
                let text = inline(p)
                if text.isEmpty { continue }
                if let level = p.headingLevel {
                    out.append(String(repeating: "#", count: min(level + headingShift, 6)) + " " + text.replacing("<br>", with: " "))
                } else if let list = p.list {
                    let item = String(repeating: "  ", count: list.level) + (list.ordered ? "1. " : "- ") + text
                    // Consecutive list items belong to one Markdown list: no blank line between them.
                    if let last = out.last, last.hasPrefix("- ") || last.hasPrefix("1. ") || last.hasPrefix("  ") {
                        out[out.count - 1] += "\n" + item
                    } else {
                        out.append(item)
                    }
                } else {
                    out.append(text)
                }
            case let .table(t): if let table = tableMarkdown(t) { out.append(table) }
            }
        }
    }

    static func tableMarkdown(_ table: DocxTable) -> String? {
        let width = table.columnCount
        guard width > 0 else { return nil }
        let rows = table.rows.map { row in
            (row.cells.map { cellMarkdown($0) } + Array(repeating: "", count: width - row.cells.count))
        }
        var lines = ["| " + rows[0].joined(separator: " | ") + " |",
                     "|" + String(repeating: " --- |", count: width)]
        for row in rows.dropFirst() { lines.append("| " + row.joined(separator: " | ") + " |") }
        return lines.joined(separator: "\n")
    }

    /// A cell's paragraphs joined by <br>; a nested table's rows follow as "a / b" lines.
    static func cellMarkdown(_ cell: DocxTableCell) -> String {
        var parts: [String] = []
        func walk(_ blocks: [DocxBlock]) {
            for block in blocks {
                switch block {
                case let .paragraph(p): parts.append(inline(p))
                case let .table(t): for row in t.rows { parts.append(row.cells.filter { !$0.isMergeCopy }.map { cellMarkdown($0) }.joined(separator: " / ")) }
                }
            }
        }
        walk(cell.blocks)
        return parts.filter { !$0.isEmpty }.joined(separator: "<br>").replacingPipes()
    }

    static func inlineMarkdown(_ blocks: [DocxBlock]) -> String {
        var out: [String] = []
        appendMarkdown(blocks, headingShift: 0, to: &out)
        return out.joined(separator: " ")
    }

    /// The paragraph's Markdown with its outer whitespace and line breaks trimmed (a leading or trailing
    /// break would end the heading or list item it starts).
    static func inline(_ p: DocxParagraph) -> String {
        var segments = p.segments
        while let first = segments.first, let c = first.text.first, c.isWhitespace {
            segments[0].text.removeFirst()
            if segments[0].text.isEmpty { segments.removeFirst() }
        }
        while let last = segments.last, let c = last.text.last, c.isWhitespace {
            segments[segments.count - 1].text.removeLast()
            if segments[segments.count - 1].text.isEmpty { segments.removeLast() }
        }
        return segments.map { segment in
            let text = escape(segment.text).replacing("\n", with: "<br>")
            guard let link = segment.link, !text.isEmpty else { return text }
            return "[\(text)](\(link.replacing(" ", with: "%20").replacing(")", with: "%29")))"
        }.joined()
    }

    /// Backslash-escapes the characters that would start Markdown syntax inside a line.
    static func escape(_ text: String) -> String {
        var out = ""
        for c in text {
            if "\\`*_[]<>".contains(c) { out.append("\\") }
            out.append(c)
        }
        return out
    }
}

extension String {
    fileprivate func replacingPipes() -> String { replacing("|", with: "\\|") }
}
