import PluginKit
import TextAnalysis

/// A document's text whatever its type: what every operation starts from.
struct ExtractedDocument {
    var type: DocumentType
    /// `text` of the result: plain text, or Markdown with `format: markdown`.
    var output: String
    /// The text analysis reads: paragraphs separated by blank lines (a blank line ends a sentence).
    var analysisText: String
    var metadata: JSONValue
    var truncated: Bool
    /// Type-specific keys of the extract_text result (pages, tables, encoding...).
    var details: [String: JSONValue]
    /// PDF pages for the per-page counts of analyze: number, text, OCR'd.
    var pages: [PDFPage] = []
    /// Characters and words of `output` when already counted (a PDF's, page by page).
    var outputCounts: (characters: Int, words: Int)?

    /// Cuts `text` to `limit` characters (code points, as every count of the results); true when it did.
    static func cut(_ text: inout String, to limit: Int) -> Bool {
        guard text.utf8.count > limit, text.unicodeScalars.count > limit else { return false }
        text = String(text.unicodeScalars.prefix(limit))
        return true
    }

    static func characterCount(_ text: String) -> Int { text.unicodeScalars.count }

    static func wordCount(_ text: String) -> Int { Tokenizer.wordCount(in: text) }
}
