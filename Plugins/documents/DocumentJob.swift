import PluginKit

/// One `document_processing` task: the source read under the limits, its type settled from the
/// bytes, the text extracted, then the operation. Blocking: runs on the plugin's blocking thread.
struct DocumentJob {
    let plugin: DocumentsPlugin
    let params: DocumentParams
    let context: TaskContext

    func run() throws -> JSONValue {
        let started = ContinuousClock.now
        let source = try DocumentSource.load(params.origin, config: plugin.config, fetcher: plugin.fetcher, context: context)
        try context.checkCancellation()
        let type = try documentType(source)
        if params.pages != nil && type != .pdf {
            throw TaskError.permanent("pages: page selection applies to PDF documents only (this one is \(type.rawValue))")
        }

        let document: ExtractedDocument
        switch type {
        case .pdf:
            let extractor = PDFExtractor(tools: plugin.tools, config: plugin.config, context: context)
            document = PDFDocument.make(try extractor.extract(source.bytes, params: params), format: params.format,
                                        maxCharacters: plugin.config.maxCharacters)
        case .docx:
            document = try DocxExtraction.extract(source.bytes, format: params.format, config: plugin.config)
        case .txt:
            document = try TextExtraction.extract(source.bytes, isText: source.isText, format: params.format, config: plugin.config)
        }
        try context.checkCancellation()

        var result: [String: JSONValue]
        switch params.operation {
        case .extractText:
            result = document.details
            result["text"] = .string(document.output)
            result["format"] = .string(params.format.rawValue)
            let counts = document.outputCounts
                ?? (ExtractedDocument.characterCount(document.output), ExtractedDocument.wordCount(document.output))
            result["characters"] = .number(Double(counts.characters))
            result["words"] = .number(Double(counts.words))
        case .analyze:
            result = try DocumentReport.analysis(document, plugin: plugin)
        case .summarize:
            result = try DocumentReport.summary(document, maxSentences: params.maxSentences, plugin: plugin)
        }
        result["operation"] = .string(params.operation.rawValue)
        result["document_type"] = .string(type.rawValue)
        result["metadata"] = document.metadata
        result["truncated"] = .bool(document.truncated)
        var sourceReport = source.report
        sourceReport["bytes"] = .number(Double(source.bytes.count))
        sourceReport["sha256"] = .string(SHA256.hex(source.bytes))
        result["source"] = .object(sourceReport)
        result["elapsed_ms"] = .number((started.duration(to: .now).seconds * 1000).rounded())
        return .object(result)
    }

    /// The type the bytes say, checked against `document_type` when given.
    private func documentType(_ source: DocumentSource) throws -> DocumentType {
        let given = params.documentType
        if source.isText {
            if let given, given != .txt { throw DocumentFailure.typeMismatch(given: given, found: "text (content_encoding 'text')") }
            return .txt
        }
        if source.bytes.isEmpty {
            if given == .txt { return .txt }
            throw DocumentFailure.invalidDocument("the document is empty (0 bytes)")
        }
        let kind = DocumentKind.detect(source.bytes)
        guard let given else { return kind.detectedType ?? .txt }
        switch (given, kind) {
        case (.pdf, .pdf), (.docx, .zip), (.docx, .oleCompound), (.txt, .text):
            return given
        case (.pdf, .text), (.docx, .text):
            // Bytes that are not text either are a damaged file of the given type, not a mislabelled text.
            if TextFileDecoder.looksBinary(source.bytes) {
                throw DocumentFailure.invalidDocument(given == .pdf
                    ? "not a PDF: no %PDF- header in the first 1024 bytes"
                    : "not a DOCX: the content is not a zip archive")
            }
            throw DocumentFailure.typeMismatch(given: given, found: "text")
        default:
            throw DocumentFailure.typeMismatch(given: given, found: "a \(kind.detectedType?.rawValue ?? "different") document")
        }
    }
}
