// uvw-text: TextAnalysis without a worker, JSON in on stdin and JSON out on stdout, for the differential
// tests in Tests/interop and the throughput figures. Offsets are code points (Python str indices).
//
//   {"mode": "sentences", "texts": [...]}  -> {"sentences": [[[start, end], ...], ...]}
//   {"mode": "words", "texts": [...]}      -> {"words": [[[start, end], ...], ...]}
//   {"mode": "syllables", "words": [...]}  -> {"syllables": [n, ...]}
//   {"mode": "stats", "texts": [...]}      -> {"stats": [{"sentences", "words", "syllables", "paragraphs",
//                                               "flesch_reading_ease", "flesch_kincaid_grade",
//                                               "reading_time_seconds", "average_sentence_length"}, ...]}
//   {"mode": "readability", "counts": [[sentences, words, syllables], ...]}
//                                          -> {"readability": [{"flesch_reading_ease", "flesch_kincaid_grade"}, ...]}
//   {"mode": "top_terms", "texts": [...], "stop_words_file": path, "limit": k}
//                                          -> {"top_terms": [[[term, count], ...], ...]}
//   {"mode": "summary", "texts": [...], "stop_words_file": path, "max_sentences": k}
//                                          -> {"summaries": [{"sentences": [{"index", "start", "end", "score"}, ...],
//                                               "scores": [every sentence's score]}, ...]}
//   {"mode": "bench", "text": t, "stop_words_file": path, "seconds": s}
//                                          -> {"sentences_per_second", "words_per_second", "summaries_per_second", ...}
//
// Foundation is used here only for reading stdin and files; JSON goes through the project's JSON module.
import Foundation
import JSON
import TextAnalysis

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("uvw-text: \(message)\n".utf8))
    exit(1)
}

func stopWords(_ request: JSONValue) -> StopWords {
    guard let path = request["stop_words_file"]?.stringValue else { fail("stop_words_file is required") }
    guard let data = FileManager.default.contents(atPath: path) else { fail("cannot read \(path)") }
    return StopWords(listText: String(decoding: data, as: UTF8.self))
}

func spans(_ spans: [TextSpan]) -> JSONValue { .array(spans.map { [.number(Double($0.start)), .number(Double($0.end))] }) }

func number(_ value: Int) -> JSONValue { .number(Double(value)) }

func optional(_ value: Double?) -> JSONValue { value.map { .number($0) } ?? .null }

/// Best of five timing windows over about `total` seconds, in runs per second.
func rate(total: Double, _ body: () -> Void) -> Double {
    body()
    let clock = ContinuousClock()
    var best = 0.0
    for _ in 0..<5 {
        let start = clock.now
        var runs = 0
        repeat {
            body()
            runs += 1
        } while (clock.now - start) < .seconds(total / 5)
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        best = max(best, Double(runs) / seconds)
    }
    return best
}

let input = FileHandle.standardInput.readDataToEndOfFile()
guard let request = try? JSONValue.parse(Array(input)), let mode = request["mode"]?.stringValue else {
    fail("expected a JSON object with a mode")
}
let texts = request["texts"]?.arrayValue?.compactMap(\.stringValue) ?? []
var response: [String: JSONValue] = [:]
switch mode {
case "sentences":
    response["sentences"] = .array(texts.map { spans(SentenceSplitter.sentences(in: $0)) })
case "words":
    response["words"] = .array(texts.map { spans(Tokenizer.words(in: $0)) })
case "syllables":
    response["syllables"] = .array((request["words"]?.arrayValue ?? []).compactMap(\.stringValue).map { number(Syllables.count($0)) })
case "stats":
    response["stats"] = .array(texts.map { text -> JSONValue in
        let stats = TextStatistics(text: text)
        return .object([
            "sentences": number(stats.sentenceCount), "words": number(stats.wordCount), "syllables": number(stats.syllableCount),
            "paragraphs": number(stats.paragraphCount), "flesch_reading_ease": optional(stats.fleschReadingEase),
            "flesch_kincaid_grade": optional(stats.fleschKincaidGrade), "reading_time_seconds": .number(stats.readingTimeSeconds),
            "average_sentence_length": optional(stats.averageSentenceLength),
        ])
    })
case "readability":
    response["readability"] = .array((request["counts"]?.arrayValue ?? []).map { entry -> JSONValue in
        let counts = (entry.arrayValue ?? []).compactMap(\.intValue)
        guard counts.count == 3 else { fail("counts are [sentences, words, syllables]") }
        let stats = TextStatistics(sentenceCount: counts[0], wordCount: counts[1], syllableCount: counts[2], paragraphCount: 1)
        return ["flesch_reading_ease": optional(stats.fleschReadingEase), "flesch_kincaid_grade": optional(stats.fleschKincaidGrade)]
    })
case "top_terms":
    let stop = stopWords(request)
    let limit = request["limit"]?.intValue ?? 10
    response["top_terms"] = .array(texts.map { text in
        .array(Terms.top(in: text, stopWords: stop, limit: limit).map { [.string($0.term), number($0.count)] })
    })
case "summary":
    let summarizer = TextRankSummarizer(stopWords: stopWords(request))
    let maxSentences = request["max_sentences"]?.intValue ?? 5
    response["summaries"] = .array(texts.map { text -> JSONValue in
        let all = summarizer.summarize(text, maxSentences: Int.max)
        let chosen = summarizer.summarize(text, maxSentences: maxSentences)
        return .object([
            "sentences": .array(chosen.map {
                ["index": number($0.index), "start": number($0.sentence.start), "end": number($0.sentence.end), "score": .number($0.score)]
            }),
            "scores": .array(all.map { .number($0.score) }),
        ])
    })
case "bench":
    guard let text = request["text"]?.stringValue else { fail("bench needs text") }
    let seconds = request["seconds"]?.doubleValue ?? 5
    let summarizer = TextRankSummarizer(stopWords: stopWords(request))
    let sentenceCount = SentenceSplitter.sentences(in: text).count
    let wordCount = Tokenizer.words(in: text).count
    let splits = rate(total: seconds) { _ = SentenceSplitter.sentences(in: text) }
    let statistics = rate(total: seconds) { _ = TextStatistics(text: text) }
    let summaries = rate(total: seconds) { _ = summarizer.summarize(text) }
    response = [
        "sentences": number(sentenceCount), "words": number(wordCount),
        "sentences_per_second": .number(splits * Double(sentenceCount)),
        "statistics_words_per_second": .number(statistics * Double(wordCount)),
        "summaries_per_second": .number(summaries), "summary_milliseconds": .number(1000 / summaries),
    ]
default:
    fail("unknown mode \(mode)")
}
FileHandle.standardOutput.write(Data((JSONValue.object(response).serialized() + "\n").utf8))
