/// Turns a story (body, header, note, comment, table cell) into blocks, with one part's relationships
/// for its hyperlinks. Text follows python-docx's `Run.text` (w:t, w:tab/w:ptab → "\t", w:br of type
/// textWrapping and w:cr → "\n", page/column breaks → "", w:noBreakHyphen → "-"), plus w:sym, and
/// looks into the wrappers python-docx skips (content controls, tracked insertions, smart tags, simple
/// fields), because their text is part of what the reader sees.
struct BlockWalker {
    let styles: StyleSheet
    let relationships: Relationships
    static let maxGridSpan = 64

    func blocks(_ container: XMLElement) -> [DocxBlock] {
        var result: [DocxBlock] = []
        for element in container.elements {
            switch element.name {
            case "w:p": result.append(.paragraph(paragraph(element)))
            case "w:tbl": result.append(.table(table(element)))
            // Block-level content controls and custom XML wrap ordinary paragraphs and tables.
            case "w:sdt": result += element.child("w:sdtContent").map(blocks) ?? []
            case "w:customXml", "w:ins": result += blocks(element)
            default: break  // w:sectPr, w:tblPr, w:tcPr, bookmarks, w:del...
            }
        }
        return result
    }

    func paragraph(_ p: XMLElement) -> DocxParagraph {
        let properties = p.child("w:pPr")
        let styleID = properties?.value(of: "w:pStyle")
        let effective = styles.effectiveParagraphStyle(styleID)
        var segments: [DocxSegment] = []
        inline(p, link: nil, into: &segments)
        return DocxParagraph(
            styleID: styleID, styleName: styles.name(effective), headingLevel: styles.headingLevel(effective),
            list: styles.listInfo(paragraphNumPr: properties?.child("w:numPr"), styleID: effective), segments: segments)
    }

    /// Runs of a paragraph (or of a wrapper inside one), appending text and merging neighbours with the same link.
    private func inline(_ parent: XMLElement, link: String?, into segments: inout [DocxSegment]) {
        for element in parent.elements {
            switch element.name {
            case "w:r": append(runText(element), link: link, to: &segments)
            case "w:hyperlink":
                var target = element.attribute("r:id").flatMap { relationships[$0]?.target }
                if let anchor = element.attribute("w:anchor") { target = (target ?? "") + "#" + anchor }
                inline(element, link: target, into: &segments)
            case "w:sdt": if let content = element.child("w:sdtContent") { inline(content, link: link, into: &segments) }
            case "w:ins", "w:smartTag", "w:customXml", "w:fldSimple", "w:dir", "w:bdo":
                inline(element, link: link, into: &segments)
            default: break  // w:del (deleted text), w:pPr, bookmarks, comment ranges, math...
            }
        }
    }

    private func append(_ text: String, link: String?, to segments: inout [DocxSegment]) {
        if text.isEmpty { return }
        if let last = segments.last, last.link == link {
            segments[segments.count - 1].text += text
        } else {
            segments.append(DocxSegment(text: text, link: link))
        }
    }

    private func runText(_ r: XMLElement) -> String {
        var text = ""
        for element in r.elements {
            switch element.name {
            case "w:t": text += element.text
            case "w:tab", "w:ptab": text += "\t"
            case "w:br": if (element.attribute("w:type") ?? "textWrapping") == "textWrapping" { text += "\n" }
            case "w:cr": text += "\n"
            case "w:noBreakHyphen": text += "-"
            case "w:sym": text += symbol(element)
            default: break
            }
        }
        return text
    }

    /// `<w:sym w:font="Wingdings" w:char="F0E0"/>`: symbol fonts address their glyphs at F000+byte; we keep
    /// the byte as a character there (no per-font glyph tables), and any other code point as itself.
    private func symbol(_ sym: XMLElement) -> String {
        guard let hex = sym.attribute("w:char"), var value = UInt32(hex, radix: 16) else { return "" }
        if (0xF000...0xF0FF).contains(value) { value -= 0xF000 }
        return Unicode.Scalar(value).map { String(Character($0)) } ?? ""
    }

    func table(_ tbl: XMLElement) -> DocxTable {
        // Per row: each w:tc's grid start, the cell it stands for and how many grid copies it yields.
        var previous: [(start: Int, cell: DocxTableCell, copies: Int)] = []
        var rows: [DocxTableRow] = []
        for tr in tbl.children("w:tr") {
            var column = tr.child("w:trPr")?.value(of: "w:gridBefore").flatMap { Int($0) } ?? 0
            var current: [(start: Int, cell: DocxTableCell, copies: Int)] = []
            var cells: [DocxTableCell] = []
            for tc in tr.children("w:tc") {
                let properties = tc.child("w:tcPr")
                // Word tables have at most 63 columns; the clamp keeps a hostile gridSpan="100000000" from
                // multiplying one cell into millions of copies.
                let span = min(max(properties?.value(of: "w:gridSpan").flatMap { Int($0) } ?? 1, 1), Self.maxGridSpan)
                let vMerge = properties?.child("w:vMerge")
                // As python-docx: a continuation stands for the cell that starts at the same grid column in
                // the row above (with that cell's width); without one it is an ordinary cell.
                var entry = (start: column, cell: DocxTableCell(blocks: blocks(tc), isMergeCopy: false), copies: span)
                if let vMerge, (vMerge.attribute("w:val") ?? "continue") == "continue",
                   let above = previous.first(where: { $0.start == column }) {
                    entry = (column, DocxTableCell(blocks: above.cell.blocks, isMergeCopy: true), above.copies)
                }
                current.append(entry)
                for copy in 0..<entry.copies {
                    var cell = entry.cell
                    if copy > 0 { cell.isMergeCopy = true }
                    cells.append(cell)
                }
                column += span
            }
            rows.append(DocxTableRow(cells: cells))
            previous = current.map { ($0.start, DocxTableCell(blocks: $0.cell.blocks, isMergeCopy: false), $0.copies) }
        }
        return DocxTable(rows: rows)
    }
}
