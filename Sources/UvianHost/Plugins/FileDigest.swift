import Crypto
package import Foundation

/// The SHA-256 of a plugin file, from swift-crypto: a new generation of a plugin is staged at a
/// path named by its hash, and `/plugins` shows it.
package enum FileDigest {
    /// The digest as 64 lowercase hex digits; the bytes are hashed where they are.
    package static func sha256Hex(_ bytes: some DataProtocol) -> String {
        hex(SHA256.hash(data: bytes))
    }

    package static func hex(_ digest: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in digest {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
