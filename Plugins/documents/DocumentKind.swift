/// What the bytes are, from their first bytes (never from a name or a Content-Type, which lie).
enum DocumentKind: Equatable, Sendable {
    case pdf
    /// A zip archive; whether it holds word/document.xml is the DOCX reader's call.
    case zip
    /// An OLE compound file: a legacy .doc, or a .docx Word encrypted with a password.
    case oleCompound
    case text

    static func detect(_ bytes: [UInt8]) -> DocumentKind {
        // PDF readers accept the header anywhere in the first 1024 bytes (ISO 32000 implementation note).
        let head = bytes.prefix(1024)
        let marker = Array("%PDF-".utf8)
        if head.count >= marker.count {
            for start in head.startIndex...(head.endIndex - marker.count) where head[start] == marker[0] {
                if head[start ..< start + marker.count].elementsEqual(marker) { return .pdf }
            }
        }
        if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) || bytes.starts(with: [0x50, 0x4B, 0x05, 0x06]) { return .zip }
        if bytes.starts(with: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) { return .oleCompound }
        return .text
    }

    var detectedType: DocumentType? {
        switch self {
        case .pdf: .pdf
        case .zip, .oleCompound: .docx
        case .text: .txt
        }
    }
}
