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
}
