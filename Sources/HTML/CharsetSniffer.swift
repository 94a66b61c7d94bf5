import Charsets

/// The encoding a document's bytes are in, as far as this library distinguishes them.
enum TextEncoding: Equatable, Sendable {
    case utf8
    /// Also used for iso-8859-1, latin1 and us-ascii: the Encoding Standard maps those labels to
    /// windows-1252, as browsers do (pages labelled latin1 routinely contain curly quotes in 0x80–0x9F).
    case windows1252
    case utf16LE
    case utf16BE
    /// Anything else glibc's iconv knows, by iconv name.
    case iconv(String)
}

/// Picks a document's encoding (a simplified form of the HTML spec's "determine the character encoding").
///
/// Order: byte-order mark, then the Content-Type charset, then a `<meta>` prescan of the first 1024 bytes,
/// then UTF-8. The BOM comes first (as in the spec and browsers): a BOM is unambiguous evidence, whereas
/// servers often send a stale or default charset.
enum CharsetSniffer {
    static func sniff(_ bytes: [UInt8], contentType: String?) -> TextEncoding {
        if let bom = byteOrderMark(bytes) { return bom.encoding }
        if let contentType, let label = charsetParameter(Array(contentType.utf8)),
           let encoding = encoding(forLabel: label) {
            return encoding
        }
        if let label = MetaPrescanner.scan(bytes.prefix(1024)), let encoding = encoding(forLabel: label) {
            // The spec: a meta declaring UTF-16 cannot be right (the meta itself was readable as ASCII).
            switch encoding {
            case .utf16LE, .utf16BE: return .utf8
            default: return encoding
            }
        }
        return .utf8
    }

    static func byteOrderMark(_ bytes: [UInt8]) -> (encoding: TextEncoding, length: Int)? {
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { return (.utf8, 3) }
        if bytes.count >= 2, bytes[0] == 0xFE, bytes[1] == 0xFF { return (.utf16BE, 2) }
        if bytes.count >= 2, bytes[0] == 0xFF, bytes[1] == 0xFE { return (.utf16LE, 2) }
        return nil
    }

    /// Maps an encoding label (Content-Type or meta) to an encoding; nil for labels nobody can decode,
    /// which makes the caller fall through to the next source as browsers do.
    static func encoding(forLabel raw: String) -> TextEncoding? {
        let label = ASCII.lowercased(raw.trimmingASCIIWhitespace())
        switch label {
        case "utf-8", "utf8", "unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "x-unicode20utf8":
            return .utf8
        case "windows-1252", "cp1252", "x-cp1252", "iso-8859-1", "iso8859-1", "iso88591", "iso_8859-1",
             "iso_8859-1:1987", "latin1", "l1", "ascii", "us-ascii", "ansi_x3.4-1968", "cp819", "ibm819",
             "csisolatin1", "iso-ir-100", "x-user-defined":
            return .windows1252
        case "utf-16", "utf-16le", "unicode", "ucs-2", "csunicode", "iso-10646-ucs-2", "unicodefeff":
            return .utf16LE
        case "utf-16be", "unicodefffe":
            return .utf16BE
        // Encoding Standard aliases whose iconv name differs (browsers decode the superset).
        case "shift_jis", "shift-jis", "sjis", "x-sjis", "ms_kanji", "ms932", "windows-31j", "csshiftjis":
            return iconvIfAvailable("CP932")
        case "gb2312", "gbk", "x-gbk", "chinese", "csgb2312", "iso-ir-58":
            return iconvIfAvailable("GBK")
        case "euc-kr", "ks_c_5601-1987", "windows-949", "cseuckr", "korean":
            return iconvIfAvailable("CP949")
        case "big5", "big5-hkscs", "cn-big5", "x-x-big5":
            return iconvIfAvailable("BIG5-HKSCS")
        case "iso-8859-9", "latin5", "l5", "iso8859-9":
            return iconvIfAvailable("WINDOWS-1254")
        case "tis-620", "iso-8859-11", "windows-874":
            return iconvIfAvailable("WINDOWS-874")
        case "":
            return nil
        default:
            // Only plain label characters go to iconv (no "//TRANSLIT" style suffixes from a hostile page).
            guard label.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x5F || $0 == 0x2E || $0 == 0x3A }),
                  label.utf8.count <= 40
            else { return nil }
            return iconvIfAvailable(label.uppercased())
        }
    }

    private static func iconvIfAvailable(_ name: String) -> TextEncoding? {
        Iconv.supports(name) ? .iconv(name) : nil
    }

    /// The value of a `charset=` parameter (Content-Type header or meta content), per the spec's
    /// "extracting a character encoding from a meta element" algorithm.
    static func charsetParameter(_ s: [UInt8]) -> String? {
        var i = 0
        let needle = Array("charset".utf8)
        while i + needle.count <= s.count {
            var found = true
            for k in 0 ..< needle.count where ASCII.lower(s[i + k]) != needle[k] { found = false; break }
            if !found { i += 1; continue }
            var j = i + needle.count
            while j < s.count, ASCII.isWhitespace(s[j]) { j += 1 }
            guard j < s.count, s[j] == UInt8(ascii: "=") else { i += needle.count; continue }
            j += 1
            while j < s.count, ASCII.isWhitespace(s[j]) { j += 1 }
            guard j < s.count else { return nil }
            if s[j] == UInt8(ascii: "\"") || s[j] == UInt8(ascii: "'") {
                let quote = s[j]
                guard let end = s[(j + 1)...].firstIndex(of: quote) else { return nil }
                return String(decoding: s[(j + 1) ..< end], as: UTF8.self)
            }
            var end = j
            while end < s.count, !ASCII.isWhitespace(s[end]), s[end] != UInt8(ascii: ";") { end += 1 }
            return String(decoding: s[j ..< end], as: UTF8.self)
        }
        return nil
    }
}

extension String {
    func trimmingASCIIWhitespace() -> String {
        let bytes = Array(utf8)
        var start = 0, end = bytes.count
        while start < end, ASCII.isWhitespace(bytes[start]) { start += 1 }
        while end > start, ASCII.isWhitespace(bytes[end - 1]) { end -= 1 }
        return String(decoding: bytes[start ..< end], as: UTF8.self)
    }
}
