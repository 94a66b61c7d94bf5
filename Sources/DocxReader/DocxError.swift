/// Why a .docx could not be read. `description` starts with a stable code for job results and names the limit.
public enum DocxError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input has more bytes than `DocxLimits.maxInputBytes` (checked before libzip sees it).
    case tooLargeInput(bytes: Int, limit: Int)
    /// Not a zip archive at all (no local-file signature).
    case notAZip
    /// Starts like a zip but libzip cannot open it: the central directory at the end is missing or damaged.
    case truncatedZip(detail: String)
    /// An OLE compound file (D0 CF 11 E0): Word writes encrypted .docx files and legacy .doc files this way.
    case encryptedOrLegacyDoc
    /// A zip without the main document part (`word/document.xml`, or the part `_rels/.rels` names).
    case missingDocumentPart
    /// An entry could not be read (bad CRC, zip-level encryption, unsupported compression).
    case corruptEntry(entry: String, detail: String)
    case tooManyEntries(count: Int, limit: Int)
    /// The size the zip directory declares for an entry is over `DocxLimits.maxEntryBytes`.
    case entryTooLarge(entry: String, declaredBytes: Int, limit: Int)
    /// Reading produced more than `DocxLimits.maxEntryBytes` although the directory declared less (a lying header).
    case entryReadTooLarge(entry: String, limit: Int)
    /// Uncompressed bytes of all entries read so far are over `DocxLimits.maxTotalBytes`.
    case totalTooLarge(limit: Int)
    /// An entry expands more than `DocxLimits.maxCompressionRatio` times (zip bomb).
    case compressionRatioTooHigh(entry: String, ratio: Int, limit: Int)
    /// Elements are nested deeper than `DocxLimits.maxXMLDepth` in one part.
    case xmlTooDeep(part: String, limit: Int)
    /// A part declares a DTD; OOXML parts never do, and a DTD is where entity attacks live.
    case doctypeNotAllowed(part: String)
    case malformedXML(part: String, detail: String)

    public var description: String {
        switch self {
        case let .tooLargeInput(bytes, limit): "too_large: input is \(bytes) bytes, maxInputBytes is \(limit)"
        case .notAZip: "not_docx: the input is not a zip archive"
        case let .truncatedZip(detail): "truncated: the zip archive is truncated or damaged (\(detail))"
        case .encryptedOrLegacyDoc: "encrypted: the file is an OLE compound file: password-protected or legacy .doc"
        case .missingDocumentPart: "not_docx: the zip has no word/document.xml"
        case let .corruptEntry(entry, detail): "corrupt: cannot read \(entry) (\(detail))"
        case let .tooManyEntries(count, limit): "too_large: the zip has \(count) entries, maxEntries is \(limit)"
        case let .entryTooLarge(entry, bytes, limit): "too_large: \(entry) declares \(bytes) uncompressed bytes, maxEntryBytes is \(limit)"
        case let .entryReadTooLarge(entry, limit): "too_large: \(entry) inflates past maxEntryBytes (\(limit)) although its header declares less"
        case let .totalTooLarge(limit): "too_large: uncompressed parts exceed maxTotalBytes (\(limit))"
        case let .compressionRatioTooHigh(entry, ratio, limit): "too_large: \(entry) expands \(ratio)x, maxCompressionRatio is \(limit)"
        case let .xmlTooDeep(part, limit): "too_large: \(part) nests elements deeper than maxXMLDepth (\(limit))"
        case let .doctypeNotAllowed(part): "unsafe_xml: \(part) declares a DTD (refused: no entities, no DTD loading)"
        case let .malformedXML(part, detail): "malformed: \(part) is not well-formed XML (\(detail))"
        }
    }
}
