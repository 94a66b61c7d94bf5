import GuardedFetch

/// Tells a bot challenge (Cloudflare's "Just a moment...", a CAPTCHA wall, an "Access denied"
/// page from a WAF) from an ordinary error page, so it is reported as `blocked_by_site` and
/// never returned as the page's content.
enum ChallengePage {
    private static let markers = [
        "cf-chl", "challenge-platform", "just a moment...", "attention required! | cloudflare", "captcha", "recaptcha",
        "hcaptcha", "are you a robot", "are you human", "unusual traffic", "access denied", "request blocked",
        "ddos protection", "bot protection", "perimeterx", "px-captcha", "datadome", "incapsula", "distil_r_captcha",
    ]

    static func detect(_ response: FetchResponse) -> Bool {
        if response.header("cf-mitigated") != nil || response.header("x-datadome") != nil { return true }
        if let server = response.header("server")?.lowercased(), server.contains("cloudflare") || server.contains("akamaighost"),
           response.status == 403 || response.status == 503 {
            return true
        }
        let head = String(decoding: response.body.prefix(64 * 1024), as: UTF8.self).lowercased()
        return markers.contains { head.contains($0) }
    }
}
