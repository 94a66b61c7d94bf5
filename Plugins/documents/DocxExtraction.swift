import DocxReader
import PluginKit

/// A .docx read in this process with DocxReader (libzip and libxml2: no network, no DTDs, zip-bomb
/// limits): the body as text or Markdown, tables as rows of cells, the other stories, properties.
enum DocxExtraction {
    static func extract(_ bytes: [UInt8], format: OutputFormat, config: DocumentsConfig) throws -> ExtractedDocument {
        var limits = DocxLimits()
        limits.maxInputBytes = config.maxInputBytes
        let document: DocxDocument
        do {
            document = try DocxDocument.read(bytes, limits: limits)
        } catch {
            throw failure(error)
        }
        var plain = document.plainText
        var output = format == .markdown ? document.markdown : plain
        let truncated = ExtractedDocument.cut(&output, to: config.maxCharacters)
        _ = ExtractedDocument.cut(&plain, to: config.maxCharacters)
        let paragraphs = plain.unicodeScalars.split(separator: "\n").map { String($0) }.filter { !$0.allSatisfy(\.isWhitespace) }

        var links: [JSONValue] = []
        for paragraph in document.paragraphs {
            for segment in paragraph.segments {
                guard let target = segment.link else { continue }
                // A link's runs come one by one: consecutive runs to the same target are one link.
                if case .object(var last)? = links.last, last["url"]?.stringValue == target, let text = last["text"]?.stringValue {
                    last["text"] = .string(text + segment.text)
                    links[links.count - 1] = .object(last)
                } else {
                    links.append(.object(["text": .string(segment.text), "url": .string(target)]))
                }
            }
        }
        let details: [String: JSONValue] = [
            "tables": .array(document.tables.map { table in
                .object(["rows": .array(table.rows.map { row in .array(row.cells.map { .string($0.text) }) })])
            }),
            "headers": .array(document.headers.map { .string(DocxDocument.plainText(of: $0.blocks)) }),
            "footers": .array(document.footers.map { .string(DocxDocument.plainText(of: $0.blocks)) }),
            "footnotes": .array(document.footnotes.map { .string(DocxDocument.plainText(of: $0.blocks)) }),
            "endnotes": .array(document.endnotes.map { .string(DocxDocument.plainText(of: $0.blocks)) }),
            "comments": .array(document.comments.map { comment in
                .object(["author": comment.author.map(JSONValue.string) ?? .null, "text": .string(DocxDocument.plainText(of: comment.blocks))])
            }),
            "links": .array(links),
        ]
        return ExtractedDocument(type: .docx, output: output, analysisText: paragraphs.joined(separator: "\n\n"),
                                 metadata: metadata(document), truncated: truncated, details: details)
    }

    static func metadata(_ document: DocxDocument) -> JSONValue {
        let core = document.coreProperties
        let app = document.appProperties
        func text(_ value: String?) -> JSONValue { value.flatMap { $0.isEmpty ? nil : JSONValue.string($0) } ?? .null }
        func number(_ value: Int?) -> JSONValue { value.map { .number(Double($0)) } ?? .null }
        return .object([
            "title": text(core.title), "author": text(core.creator), "subject": text(core.subject),
            "keywords": text(core.keywords), "description": text(core.description),
            "last_modified_by": text(core.lastModifiedBy), "revision": text(core.revision),
            "created": text(core.created), "modified": text(core.modified), "category": text(core.category),
            "language": text(core.language), "application": text(app.application), "company": text(app.company),
            "pages": number(app.pages), "words": number(app.words),
        ])
    }

    /// Structure errors are `invalid_document`; the zip-bomb guards name their limit.
    static func failure(_ error: DocxError) -> TaskError {
        switch error {
        case .tooLargeInput(let bytes, let limit):
            DocumentFailure.limit("max_input_mb", "the document is \(bytes) bytes, more than the limit of \(limit >> 20) MB")
        case .tooManyEntries, .entryTooLarge, .entryReadTooLarge, .totalTooLarge, .compressionRatioTooHigh, .xmlTooDeep:
            DocumentFailure.invalidDocument("\(error) (a zip-bomb guard of the DOCX reader)")
        case .encryptedOrLegacyDoc:
            DocumentFailure.invalidDocument("the file is an OLE compound file: a password-protected .docx or a legacy .doc, which this plugin does not read")
        default:
            DocumentFailure.invalidDocument("\(error)")
        }
    }
}
