/// Caps applied to untrusted HTML: the input size is checked before parsing, the node count while the
/// gumbo tree is copied (gumbo itself has no limits, so a hostile page could otherwise grow the arena without bound).
public struct HTMLLimits: Sendable {
    public var maxBytes: Int
    public var maxNodes: Int

    public init(maxBytes: Int = 10 * 1024 * 1024, maxNodes: Int = 500_000) {
        self.maxBytes = maxBytes
        self.maxNodes = maxNodes
    }
}
