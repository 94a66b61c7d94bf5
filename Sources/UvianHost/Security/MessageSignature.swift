import Crypto
package import Foundation

/// HMAC-SHA256 signatures of a message body, from swift-crypto, in the `sha256=<hex>` form GitHub,
/// Stripe-style webhooks and most receivers check: what the webhook sender and the plugin control
/// channel sign with a shared secret.
package enum MessageSignature {
    static let prefix = "sha256="

    /// `sha256=` and the 64 lowercase hex digits of HMAC-SHA256(key, message).
    package static func sign(_ message: some DataProtocol, key: some ContiguousBytes) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key))
        return prefix + FileDigest.hex(code)
    }

    /// True when `signature` is this message's signature under `key`. The comparison is swift-crypto's
    /// constant-time one, so how long a wrong guess takes says nothing about how much of it was right.
    package static func verify(_ signature: String, message: some DataProtocol, key: some ContiguousBytes) -> Bool {
        guard signature.hasPrefix(prefix), let code = bytes(fromHex: signature.dropFirst(prefix.count)),
              code.count == SHA256.byteCount else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(code, authenticating: message, using: SymmetricKey(data: key))
    }

    private static func bytes(fromHex text: Substring) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
