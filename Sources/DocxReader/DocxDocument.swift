/// A .docx read from bytes: the body in reading order, the other stories, and the document properties.
public struct DocxDocument: Sendable {
    public var body: [DocxBlock] = []
    public var headers: [DocxHeaderFooter] = []
    public var footers: [DocxHeaderFooter] = []
    public var footnotes: [DocxNote] = []
    public var endnotes: [DocxNote] = []
    public var comments: [DocxComment] = []
    public var coreProperties = DocxCoreProperties()
    public var appProperties = DocxAppProperties()

    /// Body-level paragraphs (python-docx's `document.paragraphs`, plus those in content controls).
    public var paragraphs: [DocxParagraph] { body.compactMap { if case let .paragraph(p) = $0 { p } else { nil } } }
    /// Body-level tables (python-docx's `document.tables`, plus those in content controls).
    public var tables: [DocxTable] { body.compactMap { if case let .table(t) = $0 { t } else { nil } } }

    /// Reads a .docx held in memory. Only XML parts are inflated (never images), each under `limits`.
    public static func read(_ bytes: [UInt8], limits: DocxLimits = .init()) throws(DocxError) -> DocxDocument {
        let zip = try ZipArchive(bytes: bytes, limits: limits)
        func xml(_ part: String) throws(DocxError) -> XMLElement? {
            guard let data = try zip.read(part) else { return nil }
            return try XMLPartParser.parse(data, part: part, maxDepth: limits.maxXMLDepth)
        }
        func relationships(of part: String) throws(DocxError) -> Relationships {
            guard let root = try xml(Relationships.path(for: part)) else { return Relationships() }
            return Relationships(root, source: part)
        }

        // The package relationships name the main part; generators that skip them still use word/document.xml.
        let package = try relationships(of: "")
        var main = package.first(type: "officeDocument")?.target ?? "word/document.xml"
        if !zip.contains(main) { main = "word/document.xml" }
        guard let document = try xml(main) else { throw .missingDocumentPart }
        let rels = try relationships(of: main)
        func related(_ type: String) throws(DocxError) -> XMLElement? {
            guard let part = rels.first(type: type)?.target else { return nil }
            return try xml(part)
        }
        let styles = StyleSheet(styles: try related("styles"), numbering: try related("numbering"))
        let walker = BlockWalker(styles: styles, relationships: rels)

        var result = DocxDocument()
        if let body = document.child("w:body") { result.body = walker.blocks(body) }
        try result.readHeadersAndFooters(document, rels: rels, styles: styles, xml: xml, relationships: relationships)
        func notes(_ type: String, _ element: String) throws(DocxError) -> [DocxNote] {
            guard let part = rels.first(type: type)?.target, let root = try xml(part) else { return [] }
            let walker = BlockWalker(styles: styles, relationships: try relationships(of: part))
            // Separator and continuation notes (w:type set) are Word's own lines, not content.
            return root.children(element).filter { $0.attribute("w:type") == nil || $0.attribute("w:type") == "normal" }
                .map { DocxNote(id: $0.attribute("w:id") ?? "", blocks: walker.blocks($0)) }
        }
        result.footnotes = try notes("footnotes", "w:footnote")
        result.endnotes = try notes("endnotes", "w:endnote")
        if let part = rels.first(type: "comments")?.target, let root = try xml(part) {
            let walker = BlockWalker(styles: styles, relationships: try relationships(of: part))
            result.comments = root.children("w:comment").map {
                DocxComment(id: $0.attribute("w:id") ?? "", author: $0.attribute("w:author"), initials: $0.attribute("w:initials"),
                            date: $0.attribute("w:date"), blocks: walker.blocks($0))
            }
        }
        let core = package.first(type: "core-properties")?.target ?? "docProps/core.xml"
        if let root = try xml(core) { result.coreProperties = DocxCoreProperties(root) }
        let app = package.first(type: "extended-properties")?.target ?? "docProps/app.xml"
        if let root = try xml(app) { result.appProperties = DocxAppProperties(root) }
        return result
    }

    /// Every header/footer part the sections reference, once each, in section order.
    private mutating func readHeadersAndFooters(
        _ document: XMLElement, rels: Relationships, styles: StyleSheet,
        xml: (String) throws(DocxError) -> XMLElement?, relationships: (String) throws(DocxError) -> Relationships
    ) throws(DocxError) {
        var sections: [XMLElement] = []
        func collect(_ element: XMLElement) {
            for child in element.elements {
                if child.name == "w:sectPr" { sections.append(child) } else if child.name != "w:r" { collect(child) }
            }
        }
        collect(document)
        var seen: Set<String> = []
        for section in sections {
            for reference in section.elements where reference.name == "w:headerReference" || reference.name == "w:footerReference" {
                guard let id = reference.attribute("r:id"), let target = rels[id], !target.external,
                      seen.insert(target.target).inserted, let root = try xml(target.target) else { continue }
                let part = target.target
                let walker = BlockWalker(styles: styles, relationships: try relationships(part))
                let story = DocxHeaderFooter(type: reference.attribute("w:type") ?? "default", part: part, blocks: walker.blocks(root))
                if reference.name == "w:headerReference" { headers.append(story) } else { footers.append(story) }
            }
        }
    }
}
