/// One `w:p`: its text as python-docx's `Paragraph.text` gives it, plus style, list and link structure.
public struct DocxParagraph: Sendable {
    /// The `w:pStyle` id as written (ids are localized or custom: "berschrift1", "a3"...).
    public var styleID: String?
    /// The style's name from styles.xml, with Word's built-in lowercase names spelled as the UI does
    /// ("heading 1" → "Heading 1"), as python-docx reports it; the default paragraph style when unset.
    public var styleName: String?
    /// 1...9 for "Heading N" (also through `basedOn`), 0 for "Title", nil otherwise.
    public var headingLevel: Int?
    public var list: DocxListInfo?
    /// Text runs in order; a run inside a `w:hyperlink` carries the link.
    public var segments: [DocxSegment]

    public var text: String { segments.map(\.text).joined() }
}

/// `w:numPr` of a paragraph (its own or its style's).
public struct DocxListInfo: Sendable, Equatable {
    public var numID: String
    /// `w:ilvl`, 0-based.
    public var level: Int
    /// True when numbering.xml gives this level a number format other than bullet/none.
    public var ordered: Bool
}

/// A piece of paragraph text, with the link it belongs to.
public struct DocxSegment: Sendable, Equatable {
    public var text: String
    /// External URL from the part's relationships, or "#anchor" for an internal bookmark link.
    public var link: String?
}
