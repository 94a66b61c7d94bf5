/// Caps applied to untrusted .docx input. A zip can declare any sizes it likes, so the entry sizes are
/// checked twice: against the directory before inflating, and against the bytes actually produced while reading.
public struct DocxLimits: Sendable {
    /// The compressed file. Real Word documents with images are a few MB; text-only ones are KBs.
    public var maxInputBytes: Int
    /// Entries in the zip directory (a Word document has 10-30; each image adds one).
    public var maxEntries: Int
    /// One uncompressed part, declared and actually read.
    public var maxEntryBytes: Int
    /// All parts read, together (only XML parts are read; images are never inflated).
    public var maxTotalBytes: Int
    /// Uncompressed/compressed size of one part. WordprocessingML compresses 5-20x, repetitive tables up
    /// to ~100x; bombs reach 1000x. Only checked for parts over `compressionRatioFloor` bytes, since a
    /// tiny part of repeated markup can legitimately exceed any ratio.
    public var maxCompressionRatio: Int
    public var compressionRatioFloor: Int
    /// Element nesting in one part. Below libxml2's own hard cap of 256 (without XML_PARSE_HUGE), so
    /// this limit fires first and names itself; a table nested in a table costs about 4 levels.
    public var maxXMLDepth: Int

    public init(
        maxInputBytes: Int = 50 * 1024 * 1024, maxEntries: Int = 5_000, maxEntryBytes: Int = 64 * 1024 * 1024,
        maxTotalBytes: Int = 256 * 1024 * 1024, maxCompressionRatio: Int = 200, compressionRatioFloor: Int = 1024 * 1024,
        maxXMLDepth: Int = 128
    ) {
        self.maxInputBytes = maxInputBytes
        self.maxEntries = maxEntries
        self.maxEntryBytes = maxEntryBytes
        self.maxTotalBytes = maxTotalBytes
        self.maxCompressionRatio = maxCompressionRatio
        self.compressionRatioFloor = compressionRatioFloor
        self.maxXMLDepth = maxXMLDepth
    }
}
