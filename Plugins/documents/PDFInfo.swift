import PluginKit

/// What `pdfinfo -isodates -enc UTF-8` prints: one "Key: value" per line, the key padded with
/// spaces; values with line breaks (rare, in titles) continue without a key.
struct PDFInfo {
    var fields: [String: String] = [:]

    init(output: String) {
        var lastKey: String?
        for line in output.split(separator: "\n", omittingEmptySubsequences: false) {
            if let colon = line.firstIndex(of: ":"), Self.knownKeys.contains(String(line[..<colon])) {
                let key = String(line[..<colon])
                fields[key] = line[line.index(after: colon)...].drop(while: { $0 == " " }).description
                lastKey = key
            } else if let key = lastKey, !line.isEmpty {
                fields[key, default: ""] += "\n" + line
            }
        }
    }

    static let knownKeys: Set<String> = [
        "Title", "Subject", "Keywords", "Author", "Creator", "Producer", "CreationDate", "ModDate", "Custom Metadata",
        "Metadata Stream", "Tagged", "UserProperties", "Suspects", "Form", "JavaScript", "Pages", "Encrypted",
        "Page size", "Page rot", "File size", "Optimized", "PDF version",
    ]

    var pageCount: Int? { fields["Pages"].flatMap { Int($0) } }

    /// "595.276 x 841.89 pts (A4)" → width, height in points and the paper name poppler knows.
    var pageSize: JSONValue {
        guard let text = fields["Page size"] else { return .null }
        let words = text.split(separator: " ")
        guard words.count >= 3, let width = Double(words[0]), let height = Double(words[2]) else { return .null }
        var size: [String: JSONValue] = ["width": .number(width), "height": .number(height)]
        if let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")"), open < close {
            size["name"] = .string(String(text[text.index(after: open)..<close]))
        } else {
            size["name"] = .null
        }
        return .object(size)
    }

    var metadata: JSONValue {
        func text(_ key: String) -> JSONValue {
            guard let value = fields[key], !value.isEmpty else { return .null }
            return .string(value)
        }
        func flag(_ key: String) -> JSONValue {
            guard let value = fields[key] else { return .null }
            return .bool(value.hasPrefix("yes"))
        }
        return .object([
            "title": text("Title"), "author": text("Author"), "subject": text("Subject"), "keywords": text("Keywords"),
            "creator": text("Creator"), "producer": text("Producer"), "created": text("CreationDate"),
            "modified": text("ModDate"), "page_count": pageCount.map { .number(Double($0)) } ?? .null,
            "page_size": pageSize, "pdf_version": text("PDF version"), "encrypted": flag("Encrypted"),
            "tagged": flag("Tagged"),
        ])
    }
}
