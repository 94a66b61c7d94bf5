/// ASCII-only case folding: HTML and CSS compare names ASCII case-insensitively, never with Unicode rules
/// (so `ſ` or `K` never match `s`/`k`), and byte loops avoid String's grapheme machinery in hot paths.
enum ASCII {
    @inline(__always)
    static func lower(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
    }

    static func equalsIgnoringCase(_ a: String, _ b: String) -> Bool {
        var a = a, b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in
                guard x.count == y.count else { return false }
                for i in 0 ..< x.count where lower(x[i]) != lower(y[i]) { return false }
                return true
            }
        }
    }

    static func lowercased(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) else { return s }
        return String(decoding: s.utf8.map(lower), as: UTF8.self)
    }

    @inline(__always)
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0C || byte == 0x0D
    }

    /// Splits on ASCII whitespace (the HTML definition used by `class` and `~=`).
    static func splitWhitespace(_ s: String) -> [String] {
        s.utf8.split(whereSeparator: isWhitespace).map { String(decoding: $0, as: UTF8.self) }
    }

    @inline(__always)
    static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A)
    }

    /// Whether `prefix` stands in `bytes` at `index`; with `ignoringCase`, `prefix` is given in
    /// lowercase and the bytes are folded.
    static func hasPrefix(_ bytes: [UInt8], at index: Int, _ prefix: [UInt8], ignoringCase: Bool = false) -> Bool {
        guard index >= 0, index + prefix.count <= bytes.count else { return false }
        for offset in 0 ..< prefix.count {
            let byte = ignoringCase ? lower(bytes[index + offset]) : bytes[index + offset]
            if byte != prefix[offset] { return false }
        }
        return true
    }

    /// Where `needle` first stands in `bytes` at or after `start` (the prescans' byte search).
    static func find(_ needle: [UInt8], in bytes: [UInt8], from start: Int, ignoringCase: Bool = false) -> Int? {
        guard let first = needle.first else { return start }
        var index = start
        while index + needle.count <= bytes.count {
            let byte = ignoringCase ? lower(bytes[index]) : bytes[index]
            if byte == first && hasPrefix(bytes, at: index, needle, ignoringCase: ignoringCase) { return index }
            index += 1
        }
        return nil
    }
}
