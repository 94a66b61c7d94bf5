import Foundation
import PluginKit

/// What the fetched bytes are, from the Content-Type (or, without one, a look at the bytes):
/// only HTML, XHTML, XML and plain text are parsed.
enum PageKind: Equatable {
    case html, plainText

    init(contentType: String?, body: [UInt8]) throws {
        guard let contentType, let mime = contentType.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased(),
              !mime.isEmpty else {
            // No type given: sniff a document that begins like markup, else take it as text.
            let start = body.prefix(512).drop(while: { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || $0 == 0xEF || $0 == 0xBB || $0 == 0xBF })
            self = start.first == UInt8(ascii: "<") ? .html : .plainText
            return
        }
        switch mime {
        case "text/html", "application/xhtml+xml", "text/xml", "application/xml": self = .html
        case "text/plain": self = .plainText
        default:
            if mime.hasSuffix("+xml") {
                self = .html
            } else {
                throw TaskError.permanent("unsupported_content_type: \(mime) (only HTML, XHTML, XML and plain text are parsed)")
            }
        }
    }
}

