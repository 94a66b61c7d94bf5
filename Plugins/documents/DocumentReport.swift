import PluginKit
import TextAnalysis

/// The `analyze` and `summarize` results over a document's text.
enum DocumentReport {
    static let topTermCount = 20

    static func analysis(_ document: ExtractedDocument, plugin: DocumentsPlugin) throws -> [String: JSONValue] {
        let stopWords = try plugin.requireStopWords()
        let text = document.analysisText
        let statistics = TextStatistics(text: text)
        var result: [String: JSONValue] = [
            "characters": .number(Double(ExtractedDocument.characterCount(text))),
            "words": .number(Double(statistics.wordCount)),
            "sentences": .number(Double(statistics.sentenceCount)),
            "paragraphs": .number(Double(statistics.paragraphCount)),
            "average_sentence_length": optional(statistics.averageSentenceLength.map { rounded($0, 2) }),
            "reading_time_seconds": .number(rounded(statistics.readingTimeSeconds, 1)),
            "flesch_reading_ease": optional(statistics.fleschReadingEase.map { rounded($0, 2) }),
            "flesch_kincaid_grade": optional(statistics.fleschKincaidGrade.map { rounded($0, 2) }),
            "top_terms": .array(Terms.top(in: text, stopWords: stopWords, limit: topTermCount).map {
                .object(["term": .string($0.term), "count": .number(Double($0.count))])
            }),
            "language": plugin.languages?.identify(text).map { guess in
                .object(["code": .string(guess.code), "confidence": .number(guess.confidence),
                         "candidates": .array(guess.candidates.map(JSONValue.string))])
            } ?? .null,
        ]
        if document.type == .pdf {
            result["page_count"] = document.details["page_count"] ?? .null
            result["pages"] = .array(document.pages.map { page in
                var entry: [String: JSONValue] = [
                    "number": .number(Double(page.number)),
                    "characters": .number(Double(ExtractedDocument.characterCount(page.text))),
                    "words": .number(Double(ExtractedDocument.wordCount(page.text))),
                    "sentences": .number(Double(SentenceSplitter.sentences(in: page.text).count)),
                ]
                if page.ocr { entry["ocr"] = .bool(true) }
                return .object(entry)
            })
        }
        if let encoding = document.details["encoding"] { result["encoding"] = encoding }
        return result
    }

    /// TextRank over the first `max_summary_sentences` sentences (the graph is quadratic in them).
    static func summary(_ document: ExtractedDocument, maxSentences: Int, plugin: DocumentsPlugin) throws -> [String: JSONValue] {
        let stopWords = try plugin.requireStopWords()
        var text = document.analysisText
        let sentences = SentenceSplitter.sentences(in: text)
        let limit = plugin.config.maxSummarySentences
        if sentences.count > limit {
            text = String(text.unicodeScalars.prefix(sentences[limit - 1].end))
        }
        // Every sentence ranked; the summary takes the best prose sentences (see `isProse`), and
        // others only when there are too few of those.
        let ranked = TextRankSummarizer(stopWords: stopWords).summarize(text, maxSentences: Int.max)
        let byScore = ranked.sorted { $0.score != $1.score ? $0.score > $1.score : $0.index < $1.index }
        var chosen = Array(byScore.filter { isProse($0.sentence.text) }.prefix(maxSentences))
        if chosen.count < maxSentences {
            let taken = Set(chosen.map(\.index))
            chosen += byScore.filter { !taken.contains($0.index) }.prefix(maxSentences - chosen.count)
        }
        chosen.sort { $0.index < $1.index }
        return [
            "summary": .string(chosen.map(\.sentence.text).joined(separator: " ")),
            "sentences": .array(chosen.map { item in
                .object(["text": .string(item.sentence.text), "index": .number(Double(item.index)),
                         "start": .number(Double(item.sentence.start)), "end": .number(Double(item.sentence.end)),
                         "score": .number(rounded(item.score, 6))])
            }),
            "sentence_count": .number(Double(sentences.count)),
            "sentences_considered": .number(Double(min(sentences.count, limit))),
            "max_sentences": .number(Double(maxSentences)),
        ]
    }

    /// A sentence of running text, not a line of a table of contents, a heading or a figure label:
    /// it ends like a sentence, has four words or more, and no dot leaders (". . . ." or "....").
    static func isProse(_ sentence: String) -> Bool {
        guard let last = sentence.unicodeScalars.last(where: { !"\"')]”’»".unicodeScalars.contains($0) }),
              ".!?…".unicodeScalars.contains(last) else { return false }
        guard Tokenizer.words(in: sentence).count >= 4 else { return false }
        return !sentence.contains(". . . .") && !sentence.contains("....")
    }

    static func optional(_ value: Double?) -> JSONValue { value.map(JSONValue.number) ?? .null }

    static func rounded(_ value: Double, _ digits: Int) -> Double {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        return (value * scale).rounded() / scale
    }
}
