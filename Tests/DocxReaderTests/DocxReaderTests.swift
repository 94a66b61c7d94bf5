import Testing
@testable import DocxReader

/// Unit tests that need no zip on disk; whole documents (generated at test time, hostile ones included)
/// are covered by Tests/interop against python-docx.
@Suite struct DocxReaderTests {
    let w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

    @Test func errorsBeforeUnzipping() throws {
        #expect(throws: DocxError.notAZip) { try DocxDocument.read(Array("hello".utf8)) }
        #expect(throws: DocxError.encryptedOrLegacyDoc) { try DocxDocument.read([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) }
        #expect(throws: DocxError.tooLargeInput(bytes: 20, limit: 10)) {
            try DocxDocument.read([UInt8](repeating: 0x50, count: 20), limits: DocxLimits(maxInputBytes: 10))
        }
        // A local header signature and nothing else: a zip cut short.
        let error = #expect(throws: DocxError.self) { try DocxDocument.read([0x50, 0x4B, 0x03, 0x04, 0, 0]) }
        guard case .truncatedZip = error else { Issue.record("expected truncatedZip, got \(String(describing: error))"); return }
        #expect(DocxError.encryptedOrLegacyDoc.description.contains("password-protected or legacy .doc"))
    }

    @Test func namesAreCanonicalWhateverThePrefix() throws {
        let xml = #"<x:document xmlns:x="\#(w)"><x:body><x:p x:rsidR="1"><x:r><x:t xml:space="preserve"> a </x:t></x:r></x:p></x:body></x:document>"#
        let root = try XMLPartParser.parse(Array(xml.utf8), part: "t.xml", maxDepth: 64)
        #expect(root.name == "w:document")
        let p = try #require(root.child("w:body")?.child("w:p"))
        #expect(p.attribute("w:rsidR") == "1")
        #expect(p.child("w:r")?.child("w:t")?.attribute("xml:space") == "preserve")
        #expect(p.child("w:r")?.child("w:t")?.text == " a ")
    }

    @Test func doctypeIsRefusedEvenAfterCommentsAndProcessingInstructions() {
        let xxe = #"<?xml version="1.0"?><!-- c --><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>"#
        #expect(XMLPartParser.declaresDoctype(Array(xxe.utf8)))
        #expect(throws: DocxError.doctypeNotAllowed(part: "p.xml")) {
            try XMLPartParser.parse(Array(xxe.utf8), part: "p.xml", maxDepth: 64)
        }
        // "<!DOCTYPE" inside the content is text, not a declaration.
        #expect(!XMLPartParser.declaresDoctype(Array("<d><![CDATA[<!DOCTYPE]]></d>".utf8)))
    }

    @Test func depthAndMalformedXML() {
        let deep = String(repeating: "<a>", count: 40) + String(repeating: "</a>", count: 40)
        #expect(throws: DocxError.xmlTooDeep(part: "p", limit: 32)) { try XMLPartParser.parse(Array(deep.utf8), part: "p", maxDepth: 32) }
        let error = #expect(throws: DocxError.self) { try XMLPartParser.parse(Array("<a><b></a>".utf8), part: "p", maxDepth: 32) }
        guard case .malformedXML(part: "p", _) = error else { Issue.record("got \(String(describing: error))"); return }
    }

    @Test func relationshipTargetsResolveAgainstTheirPart() {
        #expect(Relationships.path(for: "word/document.xml") == "word/_rels/document.xml.rels")
        #expect(Relationships.path(for: "") == "_rels/.rels")
        #expect(Relationships.resolve("media/a.png", base: ["word"]) == "word/media/a.png")
        #expect(Relationships.resolve("../customXml/item1.xml", base: ["word"]) == "customXml/item1.xml")
        #expect(Relationships.resolve("/word/styles.xml", base: ["x"]) == "word/styles.xml")
    }

    @Test func tableMergesFollowPythonDocx() throws {
        // Row 1: a cell spanning 2 grid columns restarting a vertical merge, then "c".
        // Row 2: the continuation (same width), then "d". python-docx: [[A, A, c], [A, A, d]].
        let xml = """
        <w:tbl xmlns:w="\(w)"><w:tr><w:tc><w:tcPr><w:gridSpan w:val="2"/><w:vMerge w:val="restart"/></w:tcPr><w:p><w:r><w:t>A</w:t></w:r></w:p></w:tc>\
        <w:tc><w:p><w:r><w:t>c</w:t></w:r></w:p></w:tc></w:tr>\
        <w:tr><w:tc><w:tcPr><w:gridSpan w:val="2"/><w:vMerge/></w:tcPr><w:p/></w:tc><w:tc><w:p><w:r><w:t>d</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
        """
        let tbl = try XMLPartParser.parse(Array(xml.utf8), part: "t", maxDepth: 64)
        let table = BlockWalker(styles: StyleSheet(styles: nil, numbering: nil), relationships: Relationships()).table(tbl)
        #expect(table.rows.map { $0.cells.map(\.text) } == [["A", "A", "c"], ["A", "A", "d"]])
        #expect(table.rows.map { $0.cells.map(\.isMergeCopy) } == [[false, true, false], [true, true, false]])
    }
}
