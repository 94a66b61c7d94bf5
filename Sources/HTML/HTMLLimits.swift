/// Caps applied to untrusted HTML: the input size is checked before parsing, the node count while the
/// gumbo tree is copied (gumbo itself has no limits, so a hostile page could otherwise grow the arena without bound).
public struct HTMLLimits: Sendable {
    public var maxBytes: Int
    public var maxNodes: Int
    /// How deep elements may be open inside each other. gumbo's tree construction is quadratic in
    /// that depth (each start tag scans the stack of open elements): 200,000 nested `<div>`s took
    /// over a minute of CPU, 5,000 take 40 ms. Browsers stop nesting at 512 (Chromium), so no
    /// real page comes near the default.
    public var maxDepth: Int

    public init(maxBytes: Int = 10 * 1024 * 1024, maxNodes: Int = 500_000, maxDepth: Int = 4_096) {
        self.maxBytes = maxBytes
        self.maxNodes = maxNodes
        self.maxDepth = maxDepth
    }
}
