import CTextCat
import Synchronization

/// The language of a text, by libexttextcat's n-gram profiles (LibreOffice's identifier):
/// Cavnar–Trenkle out-of-place distances against 160 language fingerprints.
final class LanguageIdentifier: Sendable {
    struct Guess: Sendable {
        /// BCP 47-like tag from the fingerprint's name ("en", "de", "zh-CN", "sr").
        var code: String
        /// How clearly the best candidate wins: textcat keeps every candidate within 3% of the best
        /// distance; 1 when no other came that close, falling to 0 as the runner-up's distance nears the best's.
        var confidence: Double
        /// Every candidate textcat kept, best first.
        var candidates: [String]
    }

    static let fingerprints = "/usr/share/libexttextcat/"
    /// textcat's threshold (THRESHOLDVALUE in its constants.h): candidates within 3% of the best.
    static let threshold = 0.03
    /// Enough text for a stable answer; more only costs time.
    static let sampleBytes = 16 * 1024

    /// The textcat handle, which keeps per-call state: one classification at a time.
    private let handle: Mutex<OpaquePointer?>

    init?() {
        guard let raw = special_textcat_Init(Self.fingerprints + "fpdb.conf", Self.fingerprints) else { return nil }
        textcat_SetProperty(raw, TCPROP_UTF8AWARE, sint4(TC_TRUE.rawValue))
        handle = Mutex(OpaquePointer(raw))
    }

    deinit {
        handle.withLock { pointer in
            if let pointer { textcat_Done(UnsafeMutableRawPointer(pointer)) }
        }
    }

    func identify(_ text: String) -> Guess? {
        // Whole UTF-8 characters from the start; digits and punctuation carry no signal but cost nothing.
        var sample = Array(text.utf8.prefix(Self.sampleBytes))
        while let last = sample.last, last & 0xC0 == 0x80 { sample.removeLast() }
        if let last = sample.last, last >= 0xC0 { sample.removeLast() }
        guard !sample.isEmpty else { return nil }
        return handle.withLock { pointer -> Guess? in
            guard let pointer else { return nil }
            let raw = UnsafeMutableRawPointer(pointer)
            guard let candidates = textcat_GetClassifyFullOutput(raw) else { return nil }
            defer { textcat_ReleaseClassifyFullOutput(raw, candidates) }
            let count = sample.withUnsafeBytes { bytes in
                textcat_ClassifyFull(raw, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count, candidates)
            }
            // 0: unknown (more candidates than textcat keeps); negative: too short to say.
            guard count > 0 else { return nil }
            let kept = (0..<Int(count)).map { (name: String(cString: candidates[$0].name), score: Double(candidates[$0].score)) }
            let best = kept[0]
            var confidence = 1.0
            if kept.count > 1, best.score > 0 {
                confidence = min(1, max(0, (kept[1].score - best.score) / (best.score * Self.threshold)))
            }
            return Guess(code: Self.code(best.name), confidence: (confidence * 1000).rounded() / 1000,
                         candidates: kept.map { Self.code($0.name) })
        }
    }

    /// "en--utf8" → "en", "zh-CN-utf8" → "zh-CN", "haw-utf8" → "haw".
    static func code(_ name: String) -> String {
        var code = Substring(name)
        if code.hasSuffix("-utf8") { code = code.dropLast(5) }
        while code.hasSuffix("-") { code = code.dropLast() }
        return String(code)
    }
}
