import CCurl

/// A URL read by libcurl's own parser (curl_url), so the scheme, host and port the fetcher checks are
/// exactly those the transfer will use: no parser differential between the check and the request.
struct ParsedURL: Sendable, Equatable {
    /// The URL as curl normalised it.
    var url: String
    var scheme: String
    /// Lowercased, without IPv6 brackets.
    var host: String
    /// The explicit port, or the scheme's default.
    var port: Int
    /// Path plus "?query" when there is one (what robots.txt rules match).
    var pathAndQuery: String

    /// The host as it goes in a URL (IPv6 in brackets).
    var hostForURL: String { host.contains(":") ? "[\(host)]" : host }
    var origin: String {
        let defaultPort = scheme == "https" ? 443 : 80
        return "\(scheme)://\(hostForURL)" + (port == defaultPort ? "" : ":\(port)")
    }

    func sameOrigin(_ other: ParsedURL) -> Bool { scheme == other.scheme && host == other.host && port == other.port }

    /// Parses an absolute http or https URL; anything else is invalid_url (naming the scheme).
    static func parse(_ text: String) throws(FetchError) -> ParsedURL {
        CurlGlobal.initialize()
        guard let handle = curl_url() else {
            throw FetchError(.connectionFailed, "libcurl unavailable: " + (uvw_curl_load_error().map { String(cString: $0) } ?? "curl_url failed"))
        }
        defer { curl_url_cleanup(handle) }
        // NON_SUPPORT_SCHEME: parse any scheme so the error can name it rather than fail vaguely.
        let code = curl_url_set(handle, CURLUPART_URL, text, UInt32(CURLU_NON_SUPPORT_SCHEME))
        guard code == CURLUE_OK else {
            throw FetchError(.invalidURL, "cannot parse URL \(quoted(text))")
        }
        func part(_ what: CURLUPart, _ flags: Int32 = 0) -> String? {
            var value: UnsafeMutablePointer<CChar>?
            guard curl_url_get(handle, what, &value, UInt32(flags)) == CURLUE_OK, let value else { return nil }
            defer { curl_free(value) }
            return String(cString: value)
        }
        let scheme = (part(CURLUPART_SCHEME) ?? "").lowercased()
        guard scheme == "http" || scheme == "https" else {
            throw FetchError(.invalidURL, "unsupported scheme '\(scheme)' (only http and https)")
        }
        guard var host = part(CURLUPART_HOST)?.lowercased(), !host.isEmpty else {
            throw FetchError(.invalidURL, "no host in URL \(quoted(text))")
        }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard let port = part(CURLUPART_PORT, CURLU_DEFAULT_PORT).flatMap({ Int($0) }) else {
            throw FetchError(.invalidURL, "bad port in URL \(quoted(text))")
        }
        let path = part(CURLUPART_PATH) ?? "/"
        let query = part(CURLUPART_QUERY)
        return ParsedURL(url: part(CURLUPART_URL) ?? text, scheme: scheme, host: host, port: port,
                         pathAndQuery: (path.isEmpty ? "/" : path) + (query.map { "?" + $0 } ?? ""))
    }

    /// Short and single-line, for error messages (a URL can be long or hostile).
    static func quoted(_ text: String) -> String {
        let clean = String(text.prefix(200).map { $0.isASCII && ($0.asciiValue! < 0x20 || $0.asciiValue! == 0x7f) ? "?" : $0 })
        return "'" + clean + (text.count > 200 ? "…'" : "'")
    }
}
