/// A small immutable XML tree: what DocxReader keeps of a part after libxml2's reader has gone through it.
///
/// Names are namespace-resolved and spelled with a fixed prefix (`w:p`, `r:id`, `dc:title`) whatever
/// prefix the file used, so the walkers compare plain strings; unknown namespaces keep `{uri}local`.
struct XMLElement: Sendable {
    var name: String
    var attributes: [(name: String, value: String)] = []
    /// Child elements in order.
    var elements: [XMLElement] = []
    /// The element's own character data, concatenated. WordprocessingML has no mixed content where text
    /// matters (text sits alone in leaves such as `w:t` or `dc:title`), so the interleaving is not kept.
    var text = ""

    func attribute(_ name: String) -> String? { attributes.first { $0.name == name }?.value }
    func child(_ name: String) -> XMLElement? { elements.first { $0.name == name } }
    func children(_ name: String) -> [XMLElement] { elements.filter { $0.name == name } }

    /// `w:val` of a child property element such as `<w:pStyle w:val="Heading1"/>`.
    func value(of child: String) -> String? { self.child(child)?.attribute("w:val") }
}

/// Namespace URIs → the prefixes DocxReader spells names with. Transitional and Strict OOXML share prefixes.
enum Namespaces {
    static let prefixes: [String: String] = [
        "http://schemas.openxmlformats.org/wordprocessingml/2006/main": "w",
        "http://purl.oclc.org/ooxml/wordprocessingml/main": "w",
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships": "r",
        "http://purl.oclc.org/ooxml/officeDocument/relationships": "r",
        "http://schemas.openxmlformats.org/package/2006/relationships": "rel",
        "http://schemas.openxmlformats.org/package/2006/metadata/core-properties": "cp",
        "http://purl.org/dc/elements/1.1/": "dc",
        "http://purl.org/dc/terms/": "dcterms",
        "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties": "ep",
        "http://purl.oclc.org/ooxml/officeDocument/extendedProperties": "ep",
        "http://schemas.openxmlformats.org/markup-compatibility/2006": "mc",
        "http://www.w3.org/2001/XMLSchema-instance": "xsi",
        "http://www.w3.org/XML/1998/namespace": "xml",
    ]

    static func qualified(uri: String?, local: String) -> String {
        guard let uri, !uri.isEmpty else { return local }
        if let prefix = prefixes[uri] { return prefix + ":" + local }
        return "{" + uri + "}" + local
    }
}
