@testable import Entities
#if canImport(Glibc)
import Glibc
#endif

/// Shared recognisers: one over the real data files (loaded once; tests that need it are skipped when
/// the model directory is not installed), and one with empty lists for the grammar-only tests.
enum Fixtures {
    static var modelDirectory: String {
        if let dir = getenv("ML_MODEL_DIR") { return String(cString: dir) }
        let cache = getenv("XDG_CACHE_HOME").map { String(cString: $0) } ?? ((getenv("HOME").map { String(cString: $0) } ?? "/root") + "/.cache")
        return cache + "/uvian-worker/models"
    }

    static let full: EntityRecognizer? = {
        guard let g = try? Gazetteer.load(dataDirectory: modelDirectory) else { return nil }
        return EntityRecognizer(gazetteer: g)
    }()

    static var dataInstalled: Bool { full != nil }

    static let grammarOnly = EntityRecognizer(gazetteer: Gazetteer(
        phrases: PhraseTable(), firstNames: [], surnames: [], currencyCodes: ["USD", "EUR", "GBP", "JPY", "CHF"]))
}

/// (text, type) pairs, the usual shape of an assertion.
func pairs(_ entities: [Entity]) -> [String] { entities.map { "\($0.text)|\($0.type.rawValue)" } }

/// The entity whose text is `text`, if any.
func find(_ entities: [Entity], _ text: String) -> Entity? { entities.first { $0.text == text } }

/// Python-style slice by code points, to check offsets independently of the library.
func pySlice(_ s: String, _ start: Int, _ end: Int) -> String {
    let scalars = Array(s.unicodeScalars)
    var v = String.UnicodeScalarView()
    v.append(contentsOf: scalars[start..<end])
    return String(v)
}

/// Invariants every answer must satisfy.
func checkInvariants(_ text: String, _ entities: [Entity]) -> [String] {
    var problems: [String] = []
    let n = text.unicodeScalars.count
    var lastEnd = 0
    for e in entities {
        if !(0 <= e.start && e.start < e.end && e.end <= n) { problems.append("range \(e)"); continue }
        if pySlice(text, e.start, e.end) != e.text { problems.append("slice \(e)") }
        if e.start < lastEnd { problems.append("overlap \(e)") }
        lastEnd = e.end
        if !(0...1).contains(e.confidence) { problems.append("confidence \(e)") }
    }
    return problems
}
