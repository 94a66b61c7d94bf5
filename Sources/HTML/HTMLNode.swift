/// A node of an `HTMLDocument`: an index into the document's arena.
///
/// A plain index (not a class) keeps documents `Sendable`, cheap to copy and free of reference cycles;
/// a node is only meaningful together with the document it came from.
public struct HTMLNode: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Position in the arena, which is also document order (nodes are stored in pre-order).
    public let index: Int32

    public init(index: Int32) { self.index = index }

    public static func < (lhs: HTMLNode, rhs: HTMLNode) -> Bool { lhs.index < rhs.index }

    public var description: String { "HTMLNode(\(index))" }
}

/// What a node is. Whitespace-only and CDATA text are both `.text` (the DOM has no separate kinds for them).
public enum HTMLNodeKind: UInt8, Sendable {
    case document, doctype, element, text, comment
}

/// The element namespaces the HTML parser can produce.
public enum HTMLNamespace: UInt8, Sendable {
    case html, svg, mathml
}

/// One attribute as written in the source (name lowercased by the tokenizer).
public struct HTMLAttribute: Hashable, Sendable {
    public let name: String
    public let value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}
