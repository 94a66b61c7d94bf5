extension DocxDocument {
    /// Plain text: paragraphs one per line; a table row per line with cells separated by tabs, a merged
    /// cell's text once at its first grid position and "" at the positions it also covers (so columns stay
    /// aligned), a cell's paragraphs and nested tables flattened to one line; then notes and comments.
    public var plainText: String {
        var lines: [String] = []
        Self.appendText(body, to: &lines)
        for note in footnotes + endnotes { Self.appendText(note.blocks, to: &lines) }
        for comment in comments { Self.appendText(comment.blocks, to: &lines) }
        return lines.joined(separator: "\n")
    }

    /// The plain text of a story (a header, a note, a comment), one line per paragraph or table row.
    public static func plainText(of blocks: [DocxBlock]) -> String {
        var lines: [String] = []
        appendText(blocks, to: &lines)
        return lines.joined(separator: "\n")
    }

    static func appendText(_ blocks: [DocxBlock], to lines: inout [String]) {
        for block in blocks {
            switch block {
            case let .paragraph(p): lines.append(p.text)
            case let .table(t):
                for row in t.rows {
                    lines.append(row.cells.map { $0.isMergeCopy ? "" : cellLine($0) }.joined(separator: "\t"))
                }
            }
        }
    }

    /// Everything in a cell on one line: tabs and line breaks inside it would break the row's layout.
    static func cellLine(_ cell: DocxTableCell) -> String {
        var inner: [String] = []
        appendText(cell.blocks, to: &inner)
        return String(inner.filter { !$0.isEmpty }.joined(separator: " ").map { $0 == "\t" || $0 == "\n" ? " " : $0 })
    }
}
