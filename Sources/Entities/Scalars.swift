// Character classes over code points (UInt32). The scanners work on an array of code points so that
// an index *is* the Python offset, and so that each test is a comparison rather than a Character
// (grapheme) walk.

@inline(__always) func isASCIIDigit(_ c: UInt32) -> Bool { c >= 0x30 && c <= 0x39 }
@inline(__always) func isASCIIUpper(_ c: UInt32) -> Bool { c >= 0x41 && c <= 0x5A }
@inline(__always) func isASCIILower(_ c: UInt32) -> Bool { c >= 0x61 && c <= 0x7A }
@inline(__always) func isASCIILetter(_ c: UInt32) -> Bool { isASCIIUpper(c) || isASCIILower(c) }
@inline(__always) func isASCIIAlnum(_ c: UInt32) -> Bool { isASCIIDigit(c) || isASCIILetter(c) }
@inline(__always) func isHexDigit(_ c: UInt32) -> Bool {
    isASCIIDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)
}
@inline(__always) func asciiLower(_ c: UInt32) -> UInt32 { isASCIIUpper(c) ? c + 32 : c }

/// Unicode White_Space (the ASCII ones first: they are nearly all of them).
@inline(__always) func isSpace(_ c: UInt32) -> Bool {
    if c == 0x20 || (c >= 0x09 && c <= 0x0D) { return true }
    if c < 0x85 { return false }
    return Unicode.Scalar(c)?.properties.isWhitespace ?? false
}

/// A letter of any script (Alphabetic), for word tokens and word boundaries.
@inline(__always) func isLetter(_ c: UInt32) -> Bool {
    if c < 0x80 { return isASCIILetter(c) }
    guard let s = Unicode.Scalar(c) else { return false }
    return s.properties.isAlphabetic
}

@inline(__always) func isUpperLetter(_ c: UInt32) -> Bool {
    if c < 0x80 { return isASCIIUpper(c) }
    guard let s = Unicode.Scalar(c) else { return false }
    return s.properties.isUppercase
}

/// Letters or digits: what must not touch a match on either side for it to stand alone.
@inline(__always) func isWordChar(_ c: UInt32) -> Bool { isASCIIDigit(c) || c == 0x5F || isLetter(c) }

extension Array where Element == UInt32 {
    /// Value at `i`, or 0 (matches no class) outside the array: saves bounds checks in the scanners.
    @inline(__always) func at(_ i: Int) -> UInt32 { i >= 0 && i < count ? self[i] : 0 }

    /// Case-insensitive ASCII comparison of `self[i...]` with `word` (lowercase ASCII).
    func matchesLower(_ word: String, at i: Int) -> Bool {
        var j = i
        for b in word.utf8 {
            guard j < count, asciiLower(self[j]) == UInt32(b) else { return false }
            j += 1
        }
        return true
    }
}

/// The code points of `text`, whose indices are the offsets reported.
func codePoints(_ text: String) -> [UInt32] {
    var out: [UInt32] = []
    out.reserveCapacity(text.utf8.count)
    for s in text.unicodeScalars { out.append(s.value) }
    return out
}

/// The string over `cps[start..<end]`.
func slice(_ cps: [UInt32], _ start: Int, _ end: Int) -> String {
    var view = String.UnicodeScalarView()
    for i in start..<end { if let s = Unicode.Scalar(cps[i]) { view.append(s) } }
    return String(view)
}
