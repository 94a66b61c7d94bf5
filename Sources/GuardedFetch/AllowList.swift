/// The parsed `FetchPolicy.allow`: the exceptions to the SSRF guard, checked for each socket dialled.
struct AllowList: Sendable {
    enum Entry: Sendable, Equatable {
        /// An address range ("10.1.0.0/16"; a bare IP is a /32 or /128).
        case range(IPAddress, Int)
        /// An IP literal and port ("127.0.0.1:8080", "[::1]:9000"): matches the address dialled.
        case address(IPAddress, port: Int)
        /// A host name and port ("localhost:8080"; nil port = any): matches the URL's host.
        case host(String, port: Int?)
    }

    var entries: [Entry] = []
    /// Entries that could not be parsed (ignored; the caller may log them).
    var invalid: [String] = []

    init(_ texts: [String]) {
        for text in texts {
            if let entry = Self.parse(text) { entries.append(entry) } else { invalid.append(text) }
        }
    }

    static func parse(_ raw: String) -> Entry? {
        let text = raw.trimmingASCIIWhitespace()
        guard !text.isEmpty else { return nil }
        if let slash = text.firstIndex(of: "/") {
            guard let address = IPAddress(String(text[..<slash])), let length = Int(text[text.index(after: slash)...]),
                  length >= 0, length <= address.bytes.count * 8 else { return nil }
            return .range(address, length)
        }
        if text.hasPrefix("[") {
            // "[v6]:port" or "[v6]"
            guard let close = text.firstIndex(of: "]"), let address = IPAddress(String(text[text.index(after: text.startIndex)..<close])) else { return nil }
            let rest = text[text.index(after: close)...]
            if rest.isEmpty { return .range(address, 128) }
            guard rest.hasPrefix(":"), let port = parsePort(rest.dropFirst()) else { return nil }
            return .address(address, port: port)
        }
        if let address = IPAddress(text) { return .range(address, address.bytes.count * 8) }  // bare v4 or v6
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2, !parts[0].isEmpty else { return nil }
        let host = String(parts[0]).lowercased()
        var port: Int? = nil
        if parts.count == 2 {
            guard let parsed = parsePort(parts[1]) else { return nil }
            port = parsed
        }
        if let address = IPAddress(host) {
            return port.map { .address(address, port: $0) } ?? .range(address, 32)
        }
        guard host.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "_" }) else { return nil }
        return .host(host, port: port)
    }

    private static func parsePort(_ text: Substring) -> Int? {
        guard let port = Int(text), port > 0, port < 65536 else { return nil }
        return port
    }

    /// Whether dialling `address`:`port` for a URL whose host is `urlHost` is allowed by an entry.
    func allows(_ address: IPAddress, port: Int, urlHost: String) -> Bool {
        let host = urlHost.lowercased()
        for entry in entries {
            switch entry {
            case let .range(network, length):
                if address.hasPrefix(network, length: length) { return true }
                // A v4 range also covers the same address dialled as ::ffff:a.b.c.d.
                if let v4 = address.mappedIPv4, v4.hasPrefix(network, length: length) { return true }
            case let .address(allowed, allowedPort):
                if allowedPort == port && (allowed == address || allowed == address.mappedIPv4) { return true }
            case let .host(name, allowedPort):
                if name == host && (allowedPort == nil || allowedPort == port) { return true }
            }
        }
        return false
    }
}
