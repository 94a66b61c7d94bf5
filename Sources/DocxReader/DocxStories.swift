/// A header or footer part, as referenced by a section (`w:headerReference`/`w:footerReference`).
public struct DocxHeaderFooter: Sendable {
    /// "default", "first" or "even".
    public var type: String
    public var part: String
    public var blocks: [DocxBlock]
}

/// A footnote or endnote (Word's separator notes are left out).
public struct DocxNote: Sendable {
    public var id: String
    public var blocks: [DocxBlock]
}

/// A comment from word/comments.xml.
public struct DocxComment: Sendable {
    public var id: String
    public var author: String?
    public var initials: String?
    /// W3CDTF as written.
    public var date: String?
    public var blocks: [DocxBlock]
}
