import Foundation

/// `X-Uvian-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, as Stripe signs its
/// webhooks: a receiver recomputes it with the shared secret to reject forgeries, and rejects a
/// `t` too far in the past to reject replays.
enum WebhookSignature {
    static func header(body: String, secret: String, at date: Date) -> String {
        let t = Int64(date.timeIntervalSince1970)
        let signed = MessageSignature.sign(Array("\(t).\(body)".utf8), key: Array(secret.utf8))
        return "t=\(t),v1=\(signed.dropFirst(MessageSignature.prefix.count))"
    }
}
