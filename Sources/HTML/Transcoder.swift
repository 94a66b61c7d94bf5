import Charsets

/// Converts document bytes to valid UTF-8, the only input gumbo reads.
///
/// windows-1252 and UTF-16 are decoded here (both are tiny and glibc's CP1252 rejects the five bytes the
/// Encoding Standard maps to C1 controls); everything else goes through glibc's iconv. Undecodable input
/// becomes U+FFFD rather than an error: a scraper should still see the rest of the page.
enum Transcoder {
    static func toUTF8(_ bytes: [UInt8], from encoding: TextEncoding) -> [UInt8] {
        let bomLength = CharsetSniffer.byteOrderMark(bytes).flatMap { $0.encoding == encoding ? $0.length : nil } ?? 0
        let body = bytes[bomLength...]
        switch encoding {
        case .utf8:
            // Fast path: valid UTF-8 (the common case) is used as is; otherwise invalid sequences become U+FFFD.
            if UTF8Validation.isValid(body) { return Array(body) }
            return Array(String(decoding: body, as: UTF8.self).utf8)
        case .windows1252:
            return windows1252(body)
        case .utf16LE, .utf16BE:
            let littleEndian = encoding == .utf16LE
            var units: [UInt16] = []
            units.reserveCapacity(body.count / 2)
            var i = body.startIndex
            while i + 1 < body.endIndex {
                let a = UInt16(body[i]), b = UInt16(body[i + 1])
                units.append(littleEndian ? a | b << 8 : a << 8 | b)
                i += 2
            }
            if i < body.endIndex { units.append(0xFFFD) }  // odd trailing byte
            return Array(String(decoding: units, as: UTF16.self).utf8)
        case let .iconv(name):
            return Iconv.toUTF8(body, from: name)?.bytes ?? Array(String(decoding: body, as: UTF8.self).utf8)
        }
    }

    /// The Encoding Standard's windows-1252 table for 0x80–0x9F (the rest is Latin-1).
    private static let c1: [UInt16] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
        0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
    ]

    private static func windows1252(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + bytes.count / 8)
        for byte in bytes {
            if byte < 0x80 { output.append(byte); continue }
            let scalar = byte < 0xA0 ? UInt32(c1[Int(byte - 0x80)]) : UInt32(byte)
            output.append(contentsOf: Unicode.Scalar(scalar)!.utf8)
        }
        return output
    }
}
