import Foundation
import HTTPTypes
import Hummingbird

/// The dashboard's login when `API_KEY` is set: `POST /session` with the key sets `uvw_session`
/// (HttpOnly, SameSite=Strict), its expiry signed with the key, so any worker holding the key
/// accepts it until it expires and no session is stored; and `uvw_csrf` (readable by the page),
/// which every state-changing request authenticated by the cookie must send back in `X-Uvian-CSRF`.
enum DashboardSession {
    static let cookie = "uvw_session"
    static let csrfCookie = "uvw_csrf"
    static let csrfHeader = HTTPField.Name("X-Uvian-CSRF")!
    /// Sent by the dashboard's own requests (the read-only mode refuses their actions).
    static let dashboardHeader = HTTPField.Name("X-Uvian-Dashboard")!
    static let lifetime: TimeInterval = 12 * 3600

    /// `<expiry>.<hex HMAC-SHA256(key, "session.<expiry>")>`.
    static func token(apiKey: String, expires: Date) -> String {
        let expiry = Int64(expires.timeIntervalSince1970)
        return "\(expiry).\(signature("session.\(expiry)", apiKey))"
    }

    static func csrf(apiKey: String, session: String) -> String { signature("csrf.\(session)", apiKey) }

    /// Signed with this key and not expired.
    static func isValid(_ token: String, apiKey: String, now: Date = Date()) -> Bool {
        guard let dot = token.firstIndex(of: "."), let expiry = Int64(token[..<dot]), Double(expiry) > now.timeIntervalSince1970 else { return false }
        let expected = "\(expiry).\(signature("session.\(expiry)", apiKey))"
        return BearerToken.constantTimeEqual(Array(token.utf8), Array(expected.utf8))
    }

    /// A cookie's value in the request's `Cookie` headers.
    static func cookie(_ name: String, in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name { return String(parts[1]).trimmingCharacters(in: .whitespaces) }
            }
        }
        return nil
    }

    /// The session of the request, when it has a valid one.
    static func session(of request: Request, apiKey: String) -> String? {
        guard let token = cookie(Self.cookie, in: request), isValid(token, apiKey: apiKey) else { return nil }
        return token
    }

    /// The `Set-Cookie` values that log in (a session until `expires`) or out (`expires` nil).
    static func cookies(apiKey: String, expires: Date?) -> [String] {
        guard let expires else {
            return ["\(cookie)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0", "\(csrfCookie)=; Path=/; SameSite=Strict; Max-Age=0"]
        }
        let token = token(apiKey: apiKey, expires: expires)
        let age = Int(expires.timeIntervalSinceNow)
        return ["\(cookie)=\(token); Path=/; HttpOnly; SameSite=Strict; Max-Age=\(age)",
                "\(csrfCookie)=\(csrf(apiKey: apiKey, session: token)); Path=/; SameSite=Strict; Max-Age=\(age)"]
    }

    private static func signature(_ message: String, _ key: String) -> String {
        String(MessageSignature.sign(Array(message.utf8), key: Array(key.utf8)).dropFirst(MessageSignature.prefix.count))
    }
}
