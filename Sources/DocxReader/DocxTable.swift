/// A `w:tbl`. Rows' cells follow python-docx's `table.rows[i].cells`: one entry per layout-grid column a
/// `w:tc` covers (a `gridSpan` of 3 gives the same cell 3 times), vertically merged continuations
/// (`vMerge` without "restart") repeat the cell that starts the merge, and `gridBefore`/`gridAfter`
/// positions are not padded (rows can be shorter).
public struct DocxTable: Sendable {
    public var rows: [DocxTableRow]
    /// The widest row, for rectangular renderings.
    public var columnCount: Int { rows.map(\.cells.count).max() ?? 0 }
}

public struct DocxTableRow: Sendable {
    public var cells: [DocxTableCell]
}

public struct DocxTableCell: Sendable {
    /// The cell's paragraphs and nested tables in order.
    public var blocks: [DocxBlock]
    /// True for the copies a merge adds (every grid position but the first of a horizontal span, and the
    /// rows under a vertical merge's start): plain text skips them, Markdown repeats them.
    public var isMergeCopy: Bool

    /// Its own paragraphs' text joined by "\n", as python-docx's `_Cell.text` (nested tables excluded;
    /// they are in `blocks` and in the renderings).
    public var text: String {
        blocks.compactMap { if case let .paragraph(p) = $0 { p.text } else { nil } }.joined(separator: "\n")
    }
}
