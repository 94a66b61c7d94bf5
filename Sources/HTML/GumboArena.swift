import CGumbo
import Glibc

/// Where gumbo's memory comes from during one parse. gumbo allocates every node, attribute,
/// vector and string buffer with its own call and frees them one by one; with glibc's malloc that
/// was a sixth of a parse (malloc, free and their consolidation in the profile). Small blocks
/// are cut from large chunks and never freed one by one: the chunks go when the tree has been
/// copied out. Large blocks (string buffers grow by doubling) still come from malloc, so what a
/// long page wastes stays small.
///
/// A plain struct behind a pointer, not a class: gumbo calls in for every block, and a class
/// reached through `Unmanaged` was retained and released on each call.
struct GumboArena {
    /// Each block starts with this header: whether it came from malloc, and so must be freed.
    private static let headerSize = 16
    private static let largeBlock = 1024
    private static let chunkSize = 256 * 1024

    private var chunks: [UnsafeMutableRawPointer] = []
    private var cursor: UnsafeMutableRawPointer?
    private var remaining = 0

    /// Runs `body` with gumbo options that allocate from a new arena, freed when `body` returns
    /// (after its `gumbo_destroy_output`).
    static func withOptions<R>(_ options: GumboOptions, _ body: (inout GumboOptions) throws(HTMLError) -> R) throws(HTMLError) -> R {
        let arena = UnsafeMutablePointer<GumboArena>.allocate(capacity: 1)
        arena.initialize(to: GumboArena())
        defer {
            for chunk in arena.pointee.chunks { free(chunk) }
            arena.deinitialize(count: 1)
            arena.deallocate()
        }
        var options = options
        options.userdata = UnsafeMutableRawPointer(arena)
        options.allocator = { userdata, size in
            userdata!.assumingMemoryBound(to: GumboArena.self).pointee.allocate(size)
        }
        options.deallocator = { _, pointer in GumboArena.deallocate(pointer) }
        return try body(&options)
    }

    private mutating func allocate(_ size: Int) -> UnsafeMutableRawPointer? {
        let total = (size + Self.headerSize + 15) & ~15
        if total > Self.largeBlock {
            guard let block = malloc(total) else { return nil }
            block.storeBytes(of: 1, as: Int.self)
            return block + Self.headerSize
        }
        if remaining < total {
            guard let chunk = malloc(Self.chunkSize) else { return nil }
            chunks.append(chunk)
            cursor = chunk
            remaining = Self.chunkSize
        }
        let block = cursor!
        cursor = block + total
        remaining -= total
        block.storeBytes(of: 0, as: Int.self)
        return block + Self.headerSize
    }

    private static func deallocate(_ pointer: UnsafeMutableRawPointer?) {
        guard let pointer else { return }
        let block = pointer - headerSize
        if block.load(as: Int.self) == 1 { free(block) }
    }
}
