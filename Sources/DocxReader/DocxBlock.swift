/// Body content in reading order: WordprocessingML interleaves paragraphs and tables at one level.
public enum DocxBlock: Sendable {
    case paragraph(DocxParagraph)
    case table(DocxTable)
}
