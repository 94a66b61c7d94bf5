import PluginKit

/// A PDF's extraction as the plugin's common document: each page's paragraphs separated by blank
/// lines (`PageParagraphs`), pages joined by a blank line, or Markdown with a `<!-- page N -->`
/// marker before each page (pdftotext gives no headings to mark up).
enum PDFDocument {
    /// `maxCharacters` cuts the joined text (separators included); pages past the cut are left out.
    static func make(_ extraction: PDFExtraction, format: OutputFormat, maxCharacters: Int) -> ExtractedDocument {
        var truncated = extraction.truncated
        var texts: [String] = []
        var used = 0
        for page in extraction.pages {
            let separator = texts.isEmpty ? 0 : 2
            var text = PageParagraphs.reflow(page.text.trimmingCharacters(in: "\u{0C}\n\r \t"))
            if used + separator + text.unicodeScalars.count > maxCharacters {
                text = String(text.unicodeScalars.prefix(max(0, maxCharacters - used - separator)))
                truncated = true
            }
            used += separator + text.unicodeScalars.count
            texts.append(text)
            if truncated { break }
        }
        let kept = Array(extraction.pages.prefix(texts.count))
        let plain = texts.joined(separator: "\n\n")
        var output = plain
        if format == .markdown {
            output = zip(kept, texts).map { "<!-- page \($0.number) -->\n\n\($1)" }.joined(separator: "\n\n")
            if ExtractedDocument.cut(&output, to: maxCharacters) { truncated = true }
        }
        let counts = texts.map { (text: $0, characters: ExtractedDocument.characterCount($0), words: ExtractedDocument.wordCount($0)) }
        var details: [String: JSONValue] = [
            "page_count": .number(Double(extraction.pageCount)),
            "pages": .array(zip(kept, counts).map { page, count in
                var entry: [String: JSONValue] = [
                    "number": .number(Double(page.number)), "text": .string(count.text),
                    "characters": .number(Double(count.characters)), "words": .number(Double(count.words)),
                ]
                if page.ocr {
                    entry["ocr"] = true
                    entry["ocr_confidence"] = page.ocrConfidence.map(JSONValue.number) ?? .null
                }
                return .object(entry)
            }),
            "ocr_pages": .number(Double(kept.filter(\.ocr).count)),
        ]
        if !extraction.ocrSkipped.isEmpty {
            details["ocr_skipped_pages"] = .array(extraction.ocrSkipped.map { .number(Double($0)) })
        }
        if !extraction.warnings.isEmpty { details["warnings"] = .array(extraction.warnings.map(JSONValue.string)) }
        var pages = kept
        for index in pages.indices { pages[index].text = texts[index] }
        // Pages are joined by a blank line, which no word spans: the plain text's counts are the pages' sums.
        let plainCounts = (characters: counts.reduce(2 * max(0, counts.count - 1)) { $0 + $1.characters },
                           words: counts.reduce(0) { $0 + $1.words })
        return ExtractedDocument(type: .pdf, output: output, analysisText: plain, metadata: extraction.info.metadata,
                                 truncated: truncated, details: details, pages: pages,
                                 outputCounts: format == .text ? plainCounts : nil)
    }
}
