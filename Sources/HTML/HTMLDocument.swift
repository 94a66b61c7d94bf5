/// A parsed HTML document: gumbo's tree copied into flat arrays (an arena) indexed by `HTMLNode`.
///
/// Why an arena: gumbo's tree is C memory that must be freed in one go; copying it into Swift arrays
/// frees it right after parsing, makes the document a `Sendable` value, and gives the selector engine
/// cache-friendly, pointer-free traversal. Nodes are stored in document (pre-)order, so a node's
/// descendants are the contiguous range `index + 1 ..< subtreeEnd[index]`.
public struct HTMLDocument: Sendable {
    // Per-node columns (one entry per node).
    var kinds: [HTMLNodeKind] = []
    var namespaces: [HTMLNamespace] = []
    /// Index into `names` for elements (lowercased local name), -1 for other nodes.
    var nameIDs: [Int32] = []
    var parents: [Int32] = []
    var firstChildren: [Int32] = []
    var lastChildren: [Int32] = []
    var nextSiblings: [Int32] = []
    var previousSiblings: [Int32] = []
    /// One past the last descendant (pre-order), so subtree walks are plain index ranges.
    var subtreeEnds: [Int32] = []
    /// Elements: first attribute in `attributeStore`; text/comment/doctype: index into `strings`.
    var dataStarts: [Int32] = []
    var attributeCounts: [Int32] = []
    /// Class tokens split once at parse time (selectors test classes constantly).
    var classStarts: [Int32] = []
    var classCounts: [Int32] = []
    /// Index into `attributeStore` of the `id` attribute, -1 when absent.
    var idAttributes: [Int32] = []

    // Shared stores.
    var names: [String] = []
    var attributeStore: [HTMLAttribute] = []
    var strings: [String] = []
    var classTokens: [String] = []

    init() {}

    /// Parses `bytes` with the HTML5 tree-construction algorithm (gumbo).
    ///
    /// The charset comes from `contentType`'s charset parameter, a byte-order mark, a `<meta>` prescan of the
    /// first 1024 bytes, else UTF-8; see `CharsetSniffer`. Invalid byte sequences become U+FFFD.
    public static func parse(
        _ bytes: [UInt8], contentType: String? = nil, limits: HTMLLimits = .init()
    ) throws(HTMLError) -> HTMLDocument {
        if bytes.count > limits.maxBytes {
            throw .tooLargeInput(bytes: bytes.count, limit: limits.maxBytes)
        }
        let encoding = CharsetSniffer.sniff(bytes, contentType: contentType)
        let utf8 = Transcoder.toUTF8(bytes, from: encoding)
        if NestingPrescan.exceeds(utf8, depth: limits.maxDepth) {
            throw .tooDeep(limit: limits.maxDepth)
        }
        return try GumboTreeCopier.parse(utf8, maxNodes: limits.maxNodes)
    }

    /// Convenience for tests and tools: parses a Swift string (already Unicode, so no charset sniffing).
    public static func parse(_ html: String, limits: HTMLLimits = .init()) throws(HTMLError) -> HTMLDocument {
        try parse(Array(html.utf8), contentType: "text/html; charset=utf-8", limits: limits)
    }

    // MARK: - Accessors

    public var nodeCount: Int { kinds.count }
    /// The document node.
    public var root: HTMLNode { HTMLNode(index: 0) }
    /// The `<html>` element (gumbo always creates one).
    public var documentElement: HTMLNode? { elementChildren(root).first }
    public var head: HTMLNode? { documentElement.flatMap { firstElementChild($0, named: "head") } }
    public var body: HTMLNode? { documentElement.flatMap { firstElementChild($0, named: "body") } }

    public func kind(_ node: HTMLNode) -> HTMLNodeKind { kinds[Int(node.index)] }
    public func namespace(_ node: HTMLNode) -> HTMLNamespace { namespaces[Int(node.index)] }
    public func isElement(_ node: HTMLNode) -> Bool { kinds[Int(node.index)] == .element }

    /// Lowercased local name of an element; the doctype's name for a doctype; "" otherwise.
    public func name(_ node: HTMLNode) -> String {
        let i = Int(node.index)
        switch kinds[i] {
        case .element: return names[Int(nameIDs[i])]
        case .doctype: return strings[Int(dataStarts[i])]
        default: return ""
        }
    }

    /// Attributes in source order (empty for non-elements).
    public func attributes(_ node: HTMLNode) -> ArraySlice<HTMLAttribute> {
        let i = Int(node.index)
        guard kinds[i] == .element else { return [] }
        let start = Int(dataStarts[i])
        return attributeStore[start ..< start + Int(attributeCounts[i])]
    }

    /// The value of attribute `name`, compared ASCII case-insensitively (HTML attribute names are).
    public func attribute(_ node: HTMLNode, _ name: String) -> String? {
        for attribute in attributes(node) where ASCII.equalsIgnoringCase(attribute.name, name) {
            return attribute.value
        }
        return nil
    }

    public func parent(_ node: HTMLNode) -> HTMLNode? { link(parents, node) }
    public func firstChild(_ node: HTMLNode) -> HTMLNode? { link(firstChildren, node) }
    public func lastChild(_ node: HTMLNode) -> HTMLNode? { link(lastChildren, node) }
    public func nextSibling(_ node: HTMLNode) -> HTMLNode? { link(nextSiblings, node) }
    public func previousSibling(_ node: HTMLNode) -> HTMLNode? { link(previousSiblings, node) }

    public func children(_ node: HTMLNode) -> [HTMLNode] {
        var result: [HTMLNode] = []
        var child = firstChildren[Int(node.index)]
        while child >= 0 {
            result.append(HTMLNode(index: child))
            child = nextSiblings[Int(child)]
        }
        return result
    }

    public func elementChildren(_ node: HTMLNode) -> [HTMLNode] {
        children(node).filter { kinds[Int($0.index)] == .element }
    }

    /// Character data of a text or comment node; nil for other kinds.
    public func text(_ node: HTMLNode) -> String? {
        let i = Int(node.index)
        switch kinds[i] {
        case .text, .comment: return strings[Int(dataStarts[i])]
        default: return nil
        }
    }

    /// All descendants (not the node itself) in document order.
    public func descendants(of node: HTMLNode) -> [HTMLNode] {
        let range = descendantRange(node)
        return range.map { HTMLNode(index: Int32($0)) }
    }

    /// Arena indices of the node's descendants (pre-order storage makes this a range).
    func descendantRange(_ node: HTMLNode) -> Range<Int> {
        Int(node.index) + 1 ..< Int(subtreeEnds[Int(node.index)])
    }

    /// Class tokens of an element (split on ASCII whitespace at parse time).
    func classes(_ index: Int) -> ArraySlice<String> {
        let start = Int(classStarts[index])
        return classTokens[start ..< start + Int(classCounts[index])]
    }

    func idValue(_ index: Int) -> String? {
        let a = idAttributes[index]
        return a < 0 ? nil : attributeStore[Int(a)].value
    }

    private func link(_ column: [Int32], _ node: HTMLNode) -> HTMLNode? {
        let value = column[Int(node.index)]
        return value < 0 ? nil : HTMLNode(index: value)
    }

    private func firstElementChild(_ node: HTMLNode, named name: String) -> HTMLNode? {
        elementChildren(node).first { self.name($0) == name }
    }
}
