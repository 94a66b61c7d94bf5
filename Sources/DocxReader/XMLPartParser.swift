import CXML2

/// Parses one part with libxml2's streaming reader into an `XMLElement` tree.
///
/// Safety: options are XML_PARSE_NONET only — never NOENT (substitute entities) or DTDLOAD/DTDATTR —
/// and a part that declares a DTD at all is refused, so neither external entities (XXE) nor nested
/// internal ones (billion laughs) can do anything. Nesting is checked at every element start.
enum XMLPartParser {
    /// libxml2 reports errors through this box (its default handler would print to stderr).
    private final class ErrorBox { var message: String? }

    /// libxml2 2.9 sets up its globals on first use, racily if two threads get there together: the
    /// worker parses documents concurrently, so this runs once first (a Swift static is initialized once).
    private static let initialized: Void = xmlInitParser()

    static func parse(_ bytes: [UInt8], part: String, maxDepth: Int) throws(DocxError) -> XMLElement {
        // Refused before libxml2 sees the part: it would otherwise parse the entity declarations (and
        // expand internal ones to check them) before its reader reports the DOCTYPE node.
        if declaresDoctype(bytes) { throw .doctypeNotAllowed(part: part) }
        _ = initialized
        let box = ErrorBox()
        let options = Int32(XML_PARSE_NONET.rawValue)
        let reader: xmlTextReaderPtr? = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) {
                xmlReaderForMemory($0.baseAddress, Int32(clamping: $0.count), part, nil, options)
            }
        }
        guard let reader else { throw .malformedXML(part: part, detail: "libxml2 could not start a reader") }
        defer { xmlFreeTextReader(reader) }
        let handler: xmlStructuredErrorFunc = { context, error in
            guard let context, let error, let message = error.pointee.message else { return }
            let box = Unmanaged<ErrorBox>.fromOpaque(context).takeUnretainedValue()
            if box.message == nil { box.message = String(cString: message).trimmingSuffix() }
        }
        xmlTextReaderSetStructuredErrorHandler(reader, handler, Unmanaged.passUnretained(box).toOpaque())
        return try withExtendedLifetime(box) { () throws(DocxError) -> XMLElement in
            try build(reader, part: part, maxDepth: maxDepth, errors: box)
        }
    }

    private static func build(_ reader: xmlTextReaderPtr, part: String, maxDepth: Int, errors: ErrorBox) throws(DocxError) -> XMLElement {
        // Open elements; the root sits at index 0 once seen.
        var stack: [XMLElement] = []
        var root: XMLElement?
        while true {
            let status = xmlTextReaderRead(reader)
            if status == 0 { break }
            if status < 0 {
                let message = errors.message ?? "read error"
                // libxml2's own cap (256 levels) can fire while it parses ahead of our check.
                if message.contains("Excessive depth") { throw .xmlTooDeep(part: part, limit: maxDepth) }
                throw .malformedXML(part: part, detail: message)
            }
            switch xmlTextReaderNodeType(reader) {
            case Int32(XML_READER_TYPE_DOCUMENT_TYPE.rawValue):
                throw .doctypeNotAllowed(part: part)
            case Int32(XML_READER_TYPE_ELEMENT.rawValue):
                if Int(xmlTextReaderDepth(reader)) >= maxDepth { throw .xmlTooDeep(part: part, limit: maxDepth) }
                var element = XMLElement(name: qualifiedName(reader))
                let empty = xmlTextReaderIsEmptyElement(reader) == 1
                while xmlTextReaderMoveToNextAttribute(reader) == 1 {
                    if xmlTextReaderIsNamespaceDecl(reader) == 1 { continue }
                    element.attributes.append((qualifiedName(reader), string(xmlTextReaderConstValue(reader))))
                }
                if empty { close(element, into: &stack, root: &root) } else { stack.append(element) }
            case Int32(XML_READER_TYPE_END_ELEMENT.rawValue):
                if let element = stack.popLast() { close(element, into: &stack, root: &root) }
            case Int32(XML_READER_TYPE_TEXT.rawValue), Int32(XML_READER_TYPE_CDATA.rawValue),
                 Int32(XML_READER_TYPE_WHITESPACE.rawValue), Int32(XML_READER_TYPE_SIGNIFICANT_WHITESPACE.rawValue):
                if !stack.isEmpty { stack[stack.count - 1].text += string(xmlTextReaderConstValue(reader)) }
            default:
                // Comments, processing instructions and (unexpanded) entity references carry no document text.
                break
            }
        }
        guard let root else { throw .malformedXML(part: part, detail: errors.message ?? "no root element") }
        return root
    }

    /// Whether a `<!DOCTYPE` comes before the root element's start tag (the only place it can be).
    static func declaresDoctype(_ bytes: [UInt8]) -> Bool {
        let doctype = Array("<!DOCTYPE".utf8)
        var i = 0
        while i + 1 < bytes.count {
            if bytes[i] == UInt8(ascii: "<") {
                let next = bytes[i + 1]
                if next != UInt8(ascii: "?") && next != UInt8(ascii: "!") { return false }  // the root element
                if bytes[i...].starts(with: doctype) { return true }
            }
            i += 1
        }
        return false
    }

    private static func close(_ element: XMLElement, into stack: inout [XMLElement], root: inout XMLElement?) {
        if stack.isEmpty { root = element } else { stack[stack.count - 1].elements.append(element) }
    }

    private static func qualifiedName(_ reader: xmlTextReaderPtr) -> String {
        let uri = xmlTextReaderConstNamespaceUri(reader).map { String(cString: $0) }
        return Namespaces.qualified(uri: uri, local: string(xmlTextReaderConstLocalName(reader)))
    }

    private static func string(_ pointer: UnsafePointer<xmlChar>?) -> String {
        pointer.map { String(cString: $0) } ?? ""
    }
}

extension String {
    fileprivate func trimmingSuffix() -> String {
        var s = self
        while let last = s.last, last.isWhitespace { s.removeLast() }
        return s
    }
}
