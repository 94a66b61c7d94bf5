import Foundation
import HTML

/// URLs found in a page, made absolute against its base URL (the first `<base href>`, itself
/// resolved against the URL the page was fetched from after redirects).
enum PageURL {
    static func base(of document: HTMLDocument, finalURL: String) -> URL? {
        let fetched = URL(string: finalURL)
        for node in document.descendants(of: document.root) where document.kind(node) == .element && document.name(node) == "base" {
            if let href = document.attribute(node, "href"), let resolved = resolve(href, against: fetched) {
                return URL(string: resolved)
            }
            break
        }
        return fetched
    }

    /// `href` resolved against `base`; nil for what is no link (empty, `javascript:`, unparseable).
    static func resolve(_ href: String, against base: URL?) -> String? {
        // As browsers do: surrounding whitespace dropped, tabs and newlines inside removed, and
        // what a URL cannot hold as it is (spaces, non-ASCII) percent-encoded as UTF-8.
        var bytes: [UInt8] = []
        let trimmed = href.utf8.drop(while: isSpace).reversed().drop(while: isSpace).reversed()
        for byte in trimmed where byte != 0x09 && byte != 0x0A && byte != 0x0D {
            if byte <= 0x20 || byte >= 0x7F || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">")
                || byte == UInt8(ascii: "`") || byte == UInt8(ascii: "{") || byte == UInt8(ascii: "}") || byte == UInt8(ascii: "|")
                || byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "^") {
                bytes.append(contentsOf: Array(String(format: "%%%02X", byte).utf8))
            } else {
                bytes.append(byte)
            }
        }
        let text = String(decoding: bytes, as: UTF8.self)
        if text.isEmpty || text.lowercased().hasPrefix("javascript:") { return nil }
        guard let url = URL(string: text, relativeTo: base) else { return nil }
        return url.absoluteURL.absoluteString
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0C || byte == 0x0D
    }
}
