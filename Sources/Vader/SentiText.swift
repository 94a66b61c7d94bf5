/// The text as the Python's `polarity_scores` prepares it: emojis replaced by their descriptions,
/// split at whitespace, punctuation stripped from the ends of words. Works on the UTF-8 bytes:
/// every delimiter that matters is ASCII or a known multi-byte whitespace, and counts that the
/// Python takes in code points are taken by counting lead bytes.
struct SentiText {
    private(set) var tokens: [Token] = []
    private(set) var exclamationMarks = 0
    private(set) var questionMarks = 0
    /// `allcap_differential`: some, but not all, tokens are ALL CAPS.
    private(set) var isCapDifferential = false

    init(_ text: String, emojis: EmojiTable, words: WordTable) {
        var text = text
        text.withUTF8 { bytes in
            if let replaced = emojis.replacingEmojis(in: bytes) {
                replaced.withUnsafeBufferPointer { tokenize($0, words: words) }
            } else {
                tokenize(bytes, words: words)
            }
        }
        let allCaps = tokens.reduce(0) { $0 + ($1.isUpper ? 1 : 0) }
        let notAllCaps = tokens.count - allCaps
        isCapDifferential = 0 < notAllCaps && notAllCaps < tokens.count
    }

    /// `text.split()`, then `_strip_punc_if_word` on each part.
    private mutating func tokenize(_ bytes: UnsafeBufferPointer<UInt8>, words: WordTable) {
        var index = 0
        while index < bytes.count {
            var length = 0
            if Self.isSpace(bytes, at: index, length: &length) {
                index += length
                continue
            }
            let start = index
            while index < bytes.count, !Self.isSpace(bytes, at: index, length: &length) {
                switch bytes[index] {
                case UInt8(ascii: "!"): exclamationMarks += 1
                case UInt8(ascii: "?"): questionMarks += 1
                default: break
                }
                index += length
            }
            tokens.append(Self.token(bytes, start ..< index, words: words))
        }
    }

    /// Whether a Python whitespace code point starts at `index`; `length` is its UTF-8 length.
    @inline(__always)
    private static func isSpace(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int, length: inout Int) -> Bool {
        let lead = bytes[index]
        if lead < 0x80 {
            length = 1
            return PythonText.isSpace(UInt32(lead))
        }
        length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2
        // Non-ASCII whitespace: U+0085 and U+00A0 (lead C2), U+1680, U+2000-U+205F, U+3000 (E1-E3).
        switch lead {
        case 0xC2:
            return bytes[index + 1] == 0x85 || bytes[index + 1] == 0xA0
        case 0xE1 ... 0xE3:
            let value = UInt32(lead & 0x0F) << 12 | UInt32(bytes[index + 1] & 0x3F) << 6 | UInt32(bytes[index + 2] & 0x3F)
            return PythonText.isSpace(value)
        default:
            return false
        }
    }

    /// `_strip_punc_if_word`: strip ASCII punctuation from both ends, unless that leaves two code
    /// points or fewer (":)", ":-(", "A+" stay whole), then describe the word.
    private static func token(_ bytes: UnsafeBufferPointer<UInt8>, _ word: Range<Int>, words: WordTable) -> Token {
        var start = word.lowerBound, end = word.upperBound
        while start < end, PythonText.isASCIIPunctuation(bytes[start]) { start += 1 }
        while end > start, PythonText.isASCIIPunctuation(bytes[end - 1]) { end -= 1 }
        var codePoints = 0
        for index in start ..< end where bytes[index] & 0xC0 != 0x80 {
            codePoints += 1
            if codePoints > 2 { break }
        }
        if codePoints <= 2 { (start, end) = (word.lowerBound, word.upperBound) }
        return describe(UnsafeBufferPointer(rebasing: bytes[start ..< end]), words: words)
    }

    private static func describe(_ bytes: UnsafeBufferPointer<UInt8>, words: WordTable) -> Token {
        var hasUpper = false, hasLower = false, isASCII = true
        for byte in bytes {
            if byte >= 0x80 {
                isASCII = false
                break
            }
            if byte &- UInt8(ascii: "A") < 26 { hasUpper = true } else if byte &- UInt8(ascii: "a") < 26 { hasLower = true }
        }
        let lowered: String
        let isUpper: Bool
        if isASCII {
            isUpper = hasUpper && !hasLower
            lowered = hasUpper
                ? String(unsafeUninitializedCapacity: bytes.count) { buffer in
                    for (index, byte) in bytes.enumerated() {
                        buffer[index] = byte &- UInt8(ascii: "A") < 26 ? byte | 0x20 : byte
                    }
                    return bytes.count
                }
                : String(decoding: bytes, as: UTF8.self)
        } else {
            let original = String(decoding: bytes, as: UTF8.self)
            isUpper = PythonText.isUpper(original.unicodeScalars)
            lowered = PythonText.lower(original)
        }
        let entry = words.entries[lowered]
        return Token(
            valence: entry?.valence,
            booster: entry?.booster,
            negates: entry?.isNegation == true || containsNegatedContraction(lowered),
            id: entry?.id ?? 0,
            isUpper: isUpper
        )
    }

    /// `"n't" in word`, on the lowercased word (ASCII apostrophe only, as in the Python).
    private static func containsNegatedContraction(_ lowered: String) -> Bool {
        var previous: (UInt8, UInt8) = (0, 0)
        for byte in lowered.utf8 {
            if byte == UInt8(ascii: "t"), previous == (UInt8(ascii: "n"), UInt8(ascii: "'")) { return true }
            previous = (previous.1, byte)
        }
        return false
    }
}
