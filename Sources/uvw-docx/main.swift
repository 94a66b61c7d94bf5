// uvw-docx: DocxReader without a worker, JSON in on stdin and JSON out on stdout, for the python-docx
// differential tests and the benchmark.
//
//   {"mode": "read", "paths": [...]}  -> {"documents": [{"path", "error"?, "paragraphs": [{"text", "style",
//        "style_id", "heading", "list"}], "tables": [[[cell text]]], "headers", "footers", "footnotes",
//        "endnotes", "comments", "core", "app", "markdown", "text"}, ...]}
//   {"mode": "bench", "path": p, "seconds": s}
//        -> {"paragraphs": n, "paragraphs_per_second": best, "median_paragraphs_per_second": median}
//        (in-process over 5 windows: unzip, XML parse and walk from the file's bytes; file read excluded)
//   Limits may be set with "limits": {"maxInputBytes": n, ...} (DocxLimits' property names).
import DocxReader
import Glibc
import JSON

func fail(_ message: String) -> Never {
    let line = Array("uvw-docx: \(message)\n".utf8)
    _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    exit(1)
}

func readAll(_ descriptor: Int32) -> [UInt8] {
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count < 0 && errno == EINTR { continue }
        if count <= 0 { break }
        bytes.append(contentsOf: chunk[0..<count])
    }
    return bytes
}

func readFile(_ path: String) -> [UInt8]? {
    let descriptor = open(path, O_RDONLY)
    if descriptor < 0 { return nil }
    defer { close(descriptor) }
    return readAll(descriptor)
}

func limits(_ value: JSONValue?) -> DocxLimits {
    var limits = DocxLimits()
    func set(_ key: String, _ field: WritableKeyPath<DocxLimits, Int>) {
        if let number = value?[key]?.intValue { limits[keyPath: field] = number }
    }
    set("maxInputBytes", \.maxInputBytes)
    set("maxEntries", \.maxEntries)
    set("maxEntryBytes", \.maxEntryBytes)
    set("maxTotalBytes", \.maxTotalBytes)
    set("maxCompressionRatio", \.maxCompressionRatio)
    set("compressionRatioFloor", \.compressionRatioFloor)
    set("maxXMLDepth", \.maxXMLDepth)
    return limits
}

func optional(_ string: String?) -> JSONValue { string.map { .string($0) } ?? .null }

func paragraphJSON(_ p: DocxParagraph) -> JSONValue {
    ["text": .string(p.text), "style": optional(p.styleName), "style_id": optional(p.styleID),
     "heading": p.headingLevel.map { .number(Double($0)) } ?? .null,
     "list": p.list.map { ["level": .number(Double($0.level)), "ordered": .bool($0.ordered)] } ?? .null,
     "links": .array(p.segments.compactMap { s in s.link.map { ["text": .string(s.text), "target": .string($0)] } })]
}

func tableJSON(_ t: DocxTable) -> JSONValue {
    .array(t.rows.map { .array($0.cells.map { .string($0.text) }) })
}

/// Texts of a story's paragraphs, body level and inside tables, in order.
func storyTexts(_ blocks: [DocxBlock]) -> JSONValue {
    var texts: [JSONValue] = []
    func walk(_ blocks: [DocxBlock]) {
        for block in blocks {
            switch block {
            case let .paragraph(p): texts.append(.string(p.text))
            case let .table(t): for row in t.rows { for cell in row.cells where !cell.isMergeCopy { walk(cell.blocks) } }
            }
        }
    }
    walk(blocks)
    return .array(texts)
}

func documentJSON(_ doc: DocxDocument) -> JSONValue {
    let core = doc.coreProperties
    return [
        "paragraphs": .array(doc.paragraphs.map(paragraphJSON)),
        "tables": .array(doc.tables.map(tableJSON)),
        "headers": .array(doc.headers.map { ["type": .string($0.type), "texts": storyTexts($0.blocks)] }),
        "footers": .array(doc.footers.map { ["type": .string($0.type), "texts": storyTexts($0.blocks)] }),
        "footnotes": .array(doc.footnotes.map { ["id": .string($0.id), "texts": storyTexts($0.blocks)] }),
        "endnotes": .array(doc.endnotes.map { ["id": .string($0.id), "texts": storyTexts($0.blocks)] }),
        "comments": .array(doc.comments.map { ["id": .string($0.id), "author": optional($0.author), "texts": storyTexts($0.blocks)] }),
        "core": [
            "title": optional(core.title), "subject": optional(core.subject), "creator": optional(core.creator),
            "keywords": optional(core.keywords), "description": optional(core.description),
            "last_modified_by": optional(core.lastModifiedBy), "revision": optional(core.revision),
            "created": optional(core.created), "modified": optional(core.modified), "category": optional(core.category),
        ],
        "app": .object(doc.appProperties.values.mapValues { .string($0) }),
        "markdown": .string(doc.markdown),
        "text": .string(doc.plainText),
    ]
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
}

let request: JSONValue
do {
    request = try JSONValue.parse(readAll(STDIN_FILENO))
} catch {
    fail("invalid request: \(error)")
}
let docxLimits = limits(request["limits"])

switch request["mode"]?.stringValue ?? "" {
case "read":
    let paths = (request["paths"]?.arrayValue ?? []).compactMap(\.stringValue)
    let documents: [JSONValue] = paths.map { path in
        guard let bytes = readFile(path) else { return ["path": .string(path), "error": "io: cannot read file"] }
        do {
            var json = documentJSON(try DocxDocument.read(bytes, limits: docxLimits))
            if case var .object(fields) = json { fields["path"] = .string(path); json = .object(fields) }
            return json
        } catch {
            return ["path": .string(path), "error": .string("\(error)")]
        }
    }
    print(JSONValue.object(["documents": .array(documents)]).serialized())
case "bench":
    guard let path = request["path"]?.stringValue, let bytes = readFile(path) else { fail("bench needs a readable path") }
    let total = request["seconds"]?.doubleValue ?? 3
    let paragraphs: Int
    do {
        paragraphs = try DocxDocument.read(bytes, limits: docxLimits).paragraphs.count  // also the warm-up
    } catch {
        fail("\(error)")
    }
    let clock = ContinuousClock()
    var rates: [Double] = []
    for _ in 0..<5 {
        let start = clock.now
        var runs = 0
        repeat {
            _ = try? DocxDocument.read(bytes, limits: docxLimits)
            runs += 1
        } while seconds(clock.now - start) < total / 5
        rates.append(Double(runs * paragraphs) / seconds(clock.now - start))
    }
    rates.sort()
    print(JSONValue.object(["paragraphs": .number(Double(paragraphs)), "paragraphs_per_second": .number(rates[4]),
                            "median_paragraphs_per_second": .number(rates[2])]).serialized())
default:
    fail("mode must be read or bench")
}
