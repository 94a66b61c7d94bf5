import PluginKit

/// A PDF's extraction as the plugin's common document: each page's paragraphs separated by blank
/// lines (`PageParagraphs`), pages joined by a blank line, or Markdown with a `<!-- page N -->`
/// marker before each page (pdftotext gives no headings to mark up).
enum PDFDocument {
    static func make(_ extraction: PDFExtraction, format: OutputFormat) -> ExtractedDocument {
        let texts = extraction.pages.map { PageParagraphs.reflow($0.text.trimmingCharacters(in: "\u{0C}\n\r \t")) }
        let plain = texts.joined(separator: "\n\n")
        let output = format == .markdown
            ? zip(extraction.pages, texts).map { "<!-- page \($0.number) -->\n\n\($1)" }.joined(separator: "\n\n")
            : plain
        var details: [String: JSONValue] = [
            "page_count": .number(Double(extraction.pageCount)),
            "pages": .array(zip(extraction.pages, texts).map { page, text in
                var entry: [String: JSONValue] = [
                    "number": .number(Double(page.number)), "text": .string(text),
                    "characters": .number(Double(ExtractedDocument.characterCount(text))),
                    "words": .number(Double(ExtractedDocument.wordCount(text))),
                ]
                if page.ocr {
                    entry["ocr"] = true
                    entry["ocr_confidence"] = page.ocrConfidence.map(JSONValue.number) ?? .null
                }
                return .object(entry)
            }),
            "ocr_pages": .number(Double(extraction.pages.filter(\.ocr).count)),
        ]
        if !extraction.ocrSkipped.isEmpty {
            details["ocr_skipped_pages"] = .array(extraction.ocrSkipped.map { .number(Double($0)) })
        }
        if !extraction.warnings.isEmpty { details["warnings"] = .array(extraction.warnings.map(JSONValue.string)) }
        var pages = extraction.pages
        for index in pages.indices { pages[index].text = texts[index] }
        return ExtractedDocument(type: .pdf, output: output, analysisText: plain, metadata: extraction.info.metadata,
                                 truncated: extraction.truncated, details: details, pages: pages)
    }
}
