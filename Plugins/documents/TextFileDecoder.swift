import Charsets
import CUchardet

/// A text file's bytes to a String: a byte-order mark (UTF-8/16/32) decides first, then valid
/// UTF-8, then uchardet's guess converted with iconv; the encoding is reported with how it was found.
struct DecodedText {
    var text: String
    var encoding: String
    /// "bom", "utf-8" (valid UTF-8 without a BOM, or plain ASCII) or "detected" (uchardet).
    var encodingSource: String
    /// Input bytes that could not be decoded (each became U+FFFD).
    var replacements: Int
}

enum TextFileDecoder {
    /// At most this much of the input is shown to uchardet: its answer settles long before.
    static let detectionSample = 1 << 20

    static func decode(_ bytes: [UInt8]) throws -> DecodedText {
        if let (encoding, length) = byteOrderMark(bytes) {
            let body = bytes[length...]
            if encoding == "UTF-8" {
                return DecodedText(text: String(decoding: body, as: UTF8.self), encoding: encoding, encodingSource: "bom",
                                   replacements: UTF8Validation.isValid(body) ? 0 : 1)
            }
            let (utf8, replacements) = Iconv.toUTF8(body, from: encoding) ?? ([], body.count)
            return DecodedText(text: String(decoding: utf8, as: UTF8.self), encoding: encoding, encodingSource: "bom", replacements: replacements)
        }
        try refuseBinary(bytes)
        if UTF8Validation.isValid(bytes[...]) {
            let ascii = bytes.allSatisfy { $0 < 0x80 }
            return DecodedText(text: String(decoding: bytes, as: UTF8.self), encoding: ascii ? "US-ASCII" : "UTF-8",
                               encodingSource: "utf-8", replacements: 0)
        }
        let guess = detect(bytes.prefix(detectionSample))
        // uchardet found nothing it trusts: windows-1252 decodes every byte, and is what such files usually are.
        let encoding = guess.flatMap { Iconv.supports($0) ? $0 : nil } ?? "WINDOWS-1252"
        let (utf8, replacements) = Iconv.toUTF8(bytes[...], from: encoding) ?? ([], bytes.count)
        return DecodedText(text: String(decoding: utf8, as: UTF8.self), encoding: encoding,
                           encodingSource: guess == nil ? "fallback" : "detected", replacements: replacements)
    }

    /// UTF-32 first: its little-endian mark starts with UTF-16LE's.
    static func byteOrderMark(_ bytes: [UInt8]) -> (String, Int)? {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { return ("UTF-8", 3) }
        if bytes.starts(with: [0xFF, 0xFE, 0x00, 0x00]) { return ("UTF-32LE", 4) }
        if bytes.starts(with: [0x00, 0x00, 0xFE, 0xFF]) { return ("UTF-32BE", 4) }
        if bytes.starts(with: [0xFF, 0xFE]) { return ("UTF-16LE", 2) }
        if bytes.starts(with: [0xFE, 0xFF]) { return ("UTF-16BE", 2) }
        return nil
    }

    /// Neither text nor a file of a type this plugin reads: NUL bytes in the first 64 KiB, or bytes
    /// that are not UTF-8 and in which uchardet finds no encoding either.
    static func looksBinary(_ bytes: [UInt8]) -> Bool {
        let sample = bytes.prefix(64 * 1024)
        return sample.contains(0) || !UTF8Validation.isValid(sample) && detect(sample) == nil
    }

    /// Text files have no NUL bytes outside UTF-16/32 (which carry a BOM here): a file with them
    /// is binary, and its "text" would be noise.
    static func refuseBinary(_ bytes: [UInt8]) throws {
        let sample = bytes.prefix(64 * 1024)
        let nuls = sample.reduce(0) { $1 == 0 ? $0 + 1 : $0 }
        if nuls > 0 {
            throw DocumentFailure.invalidDocument("the content is binary, not text (\(nuls) NUL bytes in the first \(sample.count)), and not a PDF or DOCX")
        }
    }


    /// uchardet's charset name (e.g. "WINDOWS-1251", "SHIFT_JIS"), nil when it has no answer.
    static func detect(_ sample: ArraySlice<UInt8>) -> String? {
        guard let detector = uchardet_new() else { return nil }
        defer { uchardet_delete(detector) }
        let status = sample.withUnsafeBytes { raw in
            uchardet_handle_data(detector, raw.baseAddress?.assumingMemoryBound(to: CChar.self), raw.count)
        }
        guard status == 0 else { return nil }
        uchardet_data_end(detector)
        guard let name = uchardet_get_charset(detector) else { return nil }
        let charset = String(cString: name)
        return charset.isEmpty || charset == "ASCII" ? nil : charset
    }
}
