// uvw-select: runs CSS selectors over one HTML file, for the differential test and benchmarks.
//
// stdin:  {"html_file": "page.html", "selectors": ["div.section", ...], "content_type": "text/html; charset=..."?,
//          "repeat": n?}
// stdout: {"results": [{"selector", "error", "paths", "texts"}], "parse_ms": .., "select_ms": ..}
// With "repeat", the page is also parsed and every selector run n more times, and parse_ms and
// select_ms are the medians of those rounds (what the benchmark compares with its peers).
// Foundation's JSONSerialization is enough here: this is a test tool, not part of the worker's hot path.
import Foundation
import HTML

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("uvw-select: \(message)\n".utf8))
    exit(2)
}

let input = FileHandle.standardInput.readDataToEndOfFile()
guard let request = (try? JSONSerialization.jsonObject(with: input)) as? [String: Any],
      let file = request["html_file"] as? String,
      let selectors = request["selectors"] as? [String]
else { fail("expected {\"html_file\": string, \"selectors\": [string]} on stdin") }
guard let data = FileManager.default.contents(atPath: file) else { fail("cannot read \(file)") }

func milliseconds(since start: ContinuousClock.Instant) -> Double {
    let d = ContinuousClock.now - start
    return Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
}

let parseStart = ContinuousClock.now
let document: HTMLDocument
do {
    document = try HTMLDocument.parse([UInt8](data), contentType: request["content_type"] as? String)
} catch {
    fail("\(error)")
}
let parseMs = milliseconds(since: parseStart)

var results: [[String: Any]] = []
var selectMs = 0.0
for text in selectors {
    var result: [String: Any] = ["selector": text, "error": NSNull(), "paths": [String](), "texts": [String]()]
    let start = ContinuousClock.now
    do {
        let list = try CSSSelectorList(text)
        let matches = try list.select(in: document).matches
        selectMs += milliseconds(since: start)
        result["paths"] = matches.map { document.path($0) }
        result["texts"] = matches.map { document.normalizedText($0) }
    } catch {
        selectMs += milliseconds(since: start)
        result["error"] = error.description
    }
    results.append(result)
}

// Timed rounds for the benchmark: the selectors compiled and run afresh each round, as a peer would.
var (parseMedian, selectMedian) = (parseMs, selectMs)
if let rounds = request["repeat"] as? Int, rounds > 0 {
    var parses: [Double] = [], selects: [Double] = []
    for _ in 0..<rounds {
        let start = ContinuousClock.now
        guard let again = try? HTMLDocument.parse([UInt8](data), contentType: request["content_type"] as? String) else { fail("parse failed") }
        parses.append(milliseconds(since: start))
        let selectStart = ContinuousClock.now
        for text in selectors {
            _ = try? CSSSelectorList(text).select(in: again)
        }
        selects.append(milliseconds(since: selectStart))
    }
    parseMedian = parses.sorted()[rounds / 2]
    selectMedian = selects.sorted()[rounds / 2]
}

let output: [String: Any] = ["results": results, "parse_ms": parseMedian, "select_ms": selectMedian, "node_count": document.nodeCount]
do {
    let json = try JSONSerialization.data(withJSONObject: output, options: [.sortedKeys])
    FileHandle.standardOutput.write(json)
    FileHandle.standardOutput.write(Data("\n".utf8))
} catch {
    fail("cannot encode output: \(error)")
}
