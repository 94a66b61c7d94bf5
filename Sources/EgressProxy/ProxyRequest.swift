/// The head of one request to the egress proxy: `CONNECT host:port` (HTTPS and any other TCP), or
/// a plain-HTTP request in absolute form (`GET http://host/path HTTP/1.1`), which is forwarded in
/// origin form with `Connection: close`, so one upstream connection carries one request.
struct ProxyRequest: Equatable {
    var host: String
    var port: Int
    /// nil for CONNECT; otherwise the head to send upstream.
    var forwardedHead: [UInt8]?

    struct Refusal: Error, Equatable {
        let status: Int
        let reason: String
    }

    /// Parses a head (request line and headers, CRLF-terminated, the blank line included).
    static func parse(_ head: [UInt8]) throws(Refusal) -> ProxyRequest {
        let text = String(decoding: head, as: UTF8.self)
        var lines = text.split(separator: "\r\n", omittingEmptySubsequences: true).map(String.init)
        guard !lines.isEmpty else { throw Refusal(status: 400, reason: "empty request") }
        let requestLine = lines.removeFirst().split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard requestLine.count == 3, requestLine[2].hasPrefix("HTTP/1.") else {
            throw Refusal(status: 400, reason: "malformed request line")
        }
        let (method, target) = (requestLine[0], requestLine[1])
        if method == "CONNECT" {
            let (host, port) = try authority(target, defaultPort: nil)
            return ProxyRequest(host: host, port: port, forwardedHead: nil)
        }
        guard target.lowercased().hasPrefix("http://") else {
            throw Refusal(status: 400, reason: "only CONNECT and absolute http:// requests are proxied (https goes through CONNECT)")
        }
        let rest = target.dropFirst(7)
        let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let (host, port) = try authority(String(rest[..<slash]), defaultPort: 80)
        var path = String(rest[slash...])
        if path.isEmpty { path = "/" } else if path.hasPrefix("?") { path = "/" + path }
        var forwarded = "\(method) \(path) HTTP/1.1\r\n"
        var sawHost = false
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { throw Refusal(status: 400, reason: "malformed header line") }
            let name = line[..<colon].lowercased()
            // Hop-by-hop headers and the proxy's own; the connection is closed after one exchange.
            if ["connection", "keep-alive", "proxy-connection", "proxy-authorization", "te", "upgrade"].contains(name) { continue }
            if name == "host" { sawHost = true }
            forwarded += line + "\r\n"
        }
        if !sawHost { forwarded += "Host: \(port == 80 ? host : "\(host):\(port)")\r\n" }
        forwarded += "Connection: close\r\n\r\n"
        return ProxyRequest(host: host, port: port, forwardedHead: Array(forwarded.utf8))
    }

    /// "host:port", "[v6]:port", or (with a default port) a bare host.
    static func authority(_ text: String, defaultPort: Int?) throws(Refusal) -> (String, Int) {
        var host = text
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw Refusal(status: 400, reason: "bad address \(text)") }
            host = String(text[text.index(after: text.startIndex)..<close])
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw Refusal(status: 400, reason: "bad address \(text)") }
                portText = after.dropFirst()
            }
        } else if let colon = text.lastIndex(of: ":") {
            host = String(text[..<colon])
            portText = text[text.index(after: colon)...]
        }
        if let userinfo = host.lastIndex(of: "@") { host = String(host[host.index(after: userinfo)...]) }
        guard !host.isEmpty, host.utf8.count <= 253,
              host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-._:".contains($0)) }) else {
            throw Refusal(status: 400, reason: "bad host \(text)")
        }
        let port: Int
        if let portText {
            guard let parsed = Int(portText), (1...65535).contains(parsed) else { throw Refusal(status: 400, reason: "bad port in \(text)") }
            port = parsed
        } else if let defaultPort {
            port = defaultPort
        } else {
            throw Refusal(status: 400, reason: "CONNECT needs host:port")
        }
        return (host.lowercased(), port)
    }
}
