/// docProps/core.xml (Dublin Core + OPC). Dates stay W3CDTF strings as written ("2024-01-02T03:04:05Z").
public struct DocxCoreProperties: Sendable, Equatable {
    public var title: String?
    public var subject: String?
    public var creator: String?
    public var keywords: String?
    public var description: String?
    public var lastModifiedBy: String?
    public var revision: String?
    public var created: String?
    public var modified: String?
    public var category: String?
    public var contentStatus: String?
    public var language: String?
    public var lastPrinted: String?

    init() {}

    init(_ root: XMLElement) {
        func text(_ name: String) -> String? { root.child(name)?.text }
        title = text("dc:title")
        subject = text("dc:subject")
        creator = text("dc:creator")
        keywords = text("cp:keywords")
        description = text("dc:description")
        lastModifiedBy = text("cp:lastModifiedBy")
        revision = text("cp:revision")
        created = text("dcterms:created")
        modified = text("dcterms:modified")
        category = text("cp:category")
        contentStatus = text("cp:contentStatus")
        language = text("dc:language")
        lastPrinted = text("cp:lastPrinted")
    }
}
