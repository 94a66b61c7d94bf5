import Testing
@testable import HTML

@Suite struct ParsingTests {
    func paths(_ doc: HTMLDocument, _ selector: String) throws -> [String] {
        try CSSSelectorList(selector).select(in: doc).matches.map { doc.path($0) }
    }

    @Test func misnestedParagraphsAndFormatting() throws {
        let doc = try HTMLDocument.parse("<p><b>x<p>y")
        // The second <p> closes the first; the adoption agency reconstructs <b> inside it.
        #expect(try paths(doc, "p") == ["/html[1]/body[1]/p[1]", "/html[1]/body[1]/p[2]"])
        #expect(try paths(doc, "b") == ["/html[1]/body[1]/p[1]/b[1]", "/html[1]/body[1]/p[2]/b[1]"])
        #expect(doc.outerHTML(doc.body!) == "<body><p><b>x</b></p><p><b>y</b></p></body>")
    }

    @Test func tablesGetImplicitTbodyAndFosterParenting() throws {
        let doc = try HTMLDocument.parse("<table><tr><td>1</td></tr>oops</table>")
        #expect(try paths(doc, "td") == ["/html[1]/body[1]/table[1]/tbody[1]/tr[1]/td[1]"])
        // Text inside a table but outside cells is foster-parented before the table.
        #expect(doc.outerHTML(doc.body!) == "<body>oops<table><tbody><tr><td>1</td></tr></tbody></table></body>")
    }

    @Test func treeAccessors() throws {
        let doc = try HTMLDocument.parse("<!DOCTYPE html><html lang=en><head><title>T</title></head><body><div ID=a Class='x  y'>t<!--c--><My-Tag>u</My-Tag></div>")
        #expect(doc.kind(doc.root) == .document)
        #expect(doc.kind(doc.children(doc.root)[0]) == .doctype)
        #expect(doc.name(doc.children(doc.root)[0]) == "html")
        let html = try #require(doc.documentElement)
        #expect(doc.name(html) == "html" && doc.attribute(html, "LANG") == "en")
        #expect(doc.name(try #require(doc.head)) == "head")
        let body = try #require(doc.body)
        let div = doc.elementChildren(body)[0]
        #expect(doc.attributes(div).map(\.name) == ["id", "class"])
        #expect(doc.attribute(div, "class") == "x  y")
        let kids = doc.children(div)
        #expect(kids.map { doc.kind($0) } == [.text, .comment, .element])
        #expect(doc.text(kids[1]) == "c")
        #expect(doc.name(kids[2]) == "my-tag")
        #expect(doc.parent(kids[2]) == div)
        #expect(doc.nextSibling(kids[0]) == kids[1] && doc.previousSibling(kids[1]) == kids[0])
        #expect(doc.descendants(of: div).count == 4)  // text, comment, my-tag and its text
        #expect(doc.descendants(of: doc.root).count == doc.nodeCount - 1)
    }

    @Test func svgAndMathNamespaces() throws {
        let doc = try HTMLDocument.parse("<svg><circle r=1></circle></svg><math><mi>x</mi></math>")
        let svg = try CSSSelectorList("circle").select(in: doc).matches
        #expect(svg.count == 1 && doc.namespace(svg[0]) == .svg)
        let mi = try CSSSelectorList("mi").select(in: doc).matches
        #expect(mi.count == 1 && doc.namespace(mi[0]) == .mathml)
    }

    @Test func limits() throws {
        #expect(throws: HTMLError.tooLargeInput(bytes: 11, limit: 10)) {
            try HTMLDocument.parse(Array("<p>hello</p".utf8), limits: HTMLLimits(maxBytes: 10))
        }
        let error = #expect(throws: HTMLError.self) {
            try HTMLDocument.parse(String(repeating: "<p>x", count: 100), limits: HTMLLimits(maxNodes: 50))
        }
        #expect(error?.description == "too_large: document has more than 50 nodes")
        #expect(HTMLError.tooLargeInput(bytes: 11, limit: 10).description.hasPrefix("too_large: "))
    }

    @Test func nestingPastTheDepthLimitIsRefusedBeforeParsing() throws {
        func nested(_ open: String, _ count: Int, close: String = "") -> String {
            "<body>" + String(repeating: open, count: count) + "x" + String(repeating: close, count: count)
        }
        let tooDeep = #expect(throws: HTMLError.self) { try HTMLDocument.parse(nested("<div>", 5_000, close: "</div>")) }
        #expect(tooDeep?.description == "too_large: elements are nested more than 4096 deep")
        #expect(throws: HTMLError.tooDeep(limit: 100)) {
            try HTMLDocument.parse(nested("<span class='a>b'>", 101), limits: HTMLLimits(maxDepth: 100))
        }
        // Deep but within the limit; elements whose end tag may be left out, void elements,
        // closed siblings, comments and raw text do not count.
        #expect(try HTMLDocument.parse(nested("<div>", 4_000, close: "</div>")).nodeCount > 4_000)
        for page in [nested("<p>", 10_000), nested("<li>", 10_000), nested("<br>", 10_000), nested("<b></b>", 10_000),
                     "<body><!--" + String(repeating: "<div>", count: 10_000) + "--><p>x",
                     "<body><script>" + String(repeating: "<div>", count: 10_000) + "</script><p>x",
                     "<body><div title=\"" + String(repeating: "<div>", count: 10_000) + "\">x</div>"] {
            #expect(throws: Never.self) { try HTMLDocument.parse(page) }
        }
    }
}

@Suite struct CharsetTests {
    func bodyText(_ bytes: [UInt8], _ contentType: String? = nil) throws -> String {
        let doc = try HTMLDocument.parse(bytes, contentType: contentType)
        return doc.normalizedText(doc.body!)
    }

    @Test func windows1252ForLatin1Labels() throws {
        // 0x93/0x94 are curly quotes in windows-1252 (C1 controls in real ISO-8859-1); 0xE9 is é.
        let bytes = Array("<p>".utf8) + [0x93, 0x63, 0x61, 0x66, 0xE9, 0x94, 0x80]
        #expect(try bodyText(bytes, "text/html; charset=ISO-8859-1") == "\u{201C}café\u{201D}€")
        let meta = Array("<meta charset=latin1><p>".utf8) + [0xE9]
        #expect(try bodyText(meta) == "é")
    }

    @Test func shiftJISByHeaderAndMeta() throws {
        let nihongo: [UInt8] = [0x93, 0xFA, 0x96, 0x7B, 0x8C, 0xEA]  // 日本語
        #expect(try bodyText(Array("<p>".utf8) + nihongo, "text/html; charset=\"Shift_JIS\"") == "日本語")
        let meta = Array("<!-- <meta charset=utf-8> --><meta http-equiv=\"Content-Type\" content=\"text/html; charset=shift_jis\"><p>".utf8) + nihongo
        #expect(try bodyText(meta) == "日本語")
    }

    @Test func iso8859_2ByMeta() throws {
        let bytes = Array("<meta charset='iso-8859-2'><p>".utf8) + [0xB3, 0xF3, 0xBF, 0xEA, 0xB1]  // łóżęą
        #expect(try bodyText(bytes) == "łóżęą")
    }

    @Test func utf16ByteOrderMarkWinsOverHeader() throws {
        var bytes: [UInt8] = [0xFF, 0xFE]
        for unit in "<p>Grüße €</p>".utf16 { bytes += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        #expect(try bodyText(bytes, "text/html; charset=utf-8") == "Grüße €")
        var be: [UInt8] = [0xFE, 0xFF]
        for unit in "<p>ok</p>".utf16 { be += [UInt8(unit >> 8), UInt8(unit & 0xFF)] }
        #expect(try bodyText(be) == "ok")
    }

    @Test func invalidUTF8IsReplacedAndUnknownLabelsFallBack() throws {
        #expect(try bodyText(Array("<p>a".utf8) + [0xFF, 0x62]) == "a\u{FFFD}b")
        #expect(try bodyText(Array("<p>é".utf8), "text/html; charset=no-such-charset") == "é")
        #expect(try bodyText([0xEF, 0xBB, 0xBF] + Array("<p>x".utf8)) == "x")
    }
}
