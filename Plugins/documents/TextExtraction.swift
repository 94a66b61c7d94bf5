import PluginKit

/// A plain-text file: decoded (BOM, UTF-8, else uchardet and iconv), NULs refused, cut at max_characters.
enum TextExtraction {
    static func extract(_ bytes: [UInt8], isText: Bool, format: OutputFormat, config: DocumentsConfig) throws -> ExtractedDocument {
        let decoded: DecodedText
        if isText {
            // The client sent the text itself, already Unicode.
            decoded = DecodedText(text: String(decoding: bytes, as: UTF8.self), encoding: "UTF-8", encodingSource: "utf-8", replacements: 0)
            if bytes.contains(0) { throw DocumentFailure.invalidDocument("the text contains NUL characters") }
        } else {
            decoded = try TextFileDecoder.decode(bytes)
        }
        var text = decoded.text
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        let truncated = ExtractedDocument.cut(&text, to: config.maxCharacters)
        // Counted in bytes: "\r\n" is one Character to Swift, but one line break all the same.
        let newlines = text.utf8.reduce(0) { $1 == 0x0A ? $0 + 1 : $0 }
        let lines = text.isEmpty ? 0 : newlines + (text.utf8.last == 0x0A ? 0 : 1)
        return ExtractedDocument(
            type: .txt, output: text, analysisText: text,
            metadata: .object(["encoding": .string(decoded.encoding), "lines": .number(Double(lines))]),
            truncated: truncated,
            details: ["encoding": .string(decoded.encoding), "encoding_source": .string(decoded.encodingSource),
                      "undecodable_bytes": .number(Double(decoded.replacements))])
    }
}
