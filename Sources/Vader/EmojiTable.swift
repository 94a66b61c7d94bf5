/// The emoji step of `polarity_scores`: each code point found in the emoji lexicon becomes its
/// description. The Python inserts a space before a description unless the previous code point was
/// a plain space (or it is the first), but never after one, so "a😀b" becomes "a grinning faceb".
struct EmojiTable: Sendable {
    private let descriptions: [UInt32: [UInt8]]
    /// The smallest emoji code point (U+00A9 ©): bytes of smaller text cannot hold one.
    private let smallest: UInt32

    init(lexicon: VaderLexicon) {
        descriptions = lexicon.emojiDescriptions.mapValues { Array($0.utf8) }
        smallest = descriptions.keys.min() ?? UInt32.max
    }

    /// The text with emojis replaced, or nil when it has none (the common case, no copy).
    func replacingEmojis(in bytes: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard smallest >= 0x80 else { return replacing(in: bytes, from: 0) }
        var index = 0
        while index < bytes.count {
            let lead = bytes[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            let (value, length) = Self.decode(bytes, at: index)
            if value >= smallest, descriptions[value] != nil { return replacing(in: bytes, from: index) }
            index += length
        }
        return nil
    }

    /// Copies the text up to `first` (a code point boundary) and replaces emojis from there on.
    private func replacing(in bytes: UnsafeBufferPointer<UInt8>, from first: Int) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + 64)
        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[0 ..< first]))
        // Byte 0x20 is only ever a whole code point in UTF-8, so this is "the previous character was ' '".
        var previousIsSpace = first == 0 || bytes[first - 1] == UInt8(ascii: " ")
        var index = first
        while index < bytes.count {
            let (value, length) = Self.decode(bytes, at: index)
            if let description = descriptions[value] {
                if !previousIsSpace { output.append(UInt8(ascii: " ")) }
                output.append(contentsOf: description)
                previousIsSpace = false
            } else {
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[index ..< index + length]))
                previousIsSpace = value == 0x20
            }
            index += length
        }
        return output
    }

    /// The code point starting at `index` of valid UTF-8 (Swift strings always are) and its length.
    @inline(__always)
    private static func decode(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> (UInt32, Int) {
        let lead = bytes[index]
        if lead < 0x80 { return (UInt32(lead), 1) }
        if lead < 0xE0 { return (UInt32(lead & 0x1F) << 6 | UInt32(bytes[index + 1] & 0x3F), 2) }
        if lead < 0xF0 {
            return (UInt32(lead & 0x0F) << 12 | UInt32(bytes[index + 1] & 0x3F) << 6 | UInt32(bytes[index + 2] & 0x3F), 3)
        }
        return (UInt32(lead & 0x07) << 18 | UInt32(bytes[index + 1] & 0x3F) << 12
            | UInt32(bytes[index + 2] & 0x3F) << 6 | UInt32(bytes[index + 3] & 0x3F), 4)
    }
}
