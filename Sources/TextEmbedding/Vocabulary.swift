/// WordPiece vocabulary keyed by the tokens' exact UTF-8 bytes.
///
/// Not a `[String: Int32]`: Swift compares strings by canonical equivalence, so "\u{212B}" would find "Å"
/// and a decomposed candidate would find a precomposed token. Hugging Face compares bytes, and so must we.
/// An open-addressing table over one flat byte buffer also lets lookups take a byte range without
/// allocating a string per candidate.
struct Vocabulary: Sendable {
    private var bytes: [UInt8] = []
    private var tokenStarts: [Int] = [0]  // token i is bytes[tokenStarts[i]..<tokenStarts[i + 1]]
    private var slots: [Int32]  // token id, or -1 when empty
    private let mask: Int

    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = Array(repeating: -1, count: size)
        mask = size - 1
    }

    var count: Int { tokenStarts.count - 1 }

    /// Adds the next token (its id is the current count); returns false if it is already present.
    mutating func append(_ token: some Collection<UInt8>) -> Bool {
        let tokenBytes = Array(token)
        if tokenBytes.withUnsafeBufferPointer({ self[$0] }) != nil { return false }
        let id = Int32(count)
        bytes.append(contentsOf: tokenBytes)
        tokenStarts.append(bytes.count)
        var slot = tokenBytes.withUnsafeBufferPointer { Self.hash($0) } & mask
        while slots[slot] >= 0 { slot = (slot + 1) & mask }
        slots[slot] = id
        return true
    }

    subscript(key: UnsafeBufferPointer<UInt8>) -> Int32? {
        var slot = Self.hash(key) & mask
        while true {
            let id = slots[slot]
            if id < 0 { return nil }
            let start = tokenStarts[Int(id)]
            let end = tokenStarts[Int(id) + 1]
            if end - start == key.count && bytes.withUnsafeBufferPointer({ stored in
                (0..<key.count).allSatisfy { stored[start + $0] == key[$0] }
            }) {
                return id
            }
            slot = (slot + 1) & mask
        }
    }

    subscript(token: String) -> Int32? {
        var token = token
        return token.withUTF8 { self[$0] }
    }

    /// FNV-1a: fast for the short keys here; the table is only ever half full.
    private static func hash(_ key: UnsafeBufferPointer<UInt8>) -> Int {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in key { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return Int(truncatingIfNeeded: hash ^ (hash >> 29))
    }
}
