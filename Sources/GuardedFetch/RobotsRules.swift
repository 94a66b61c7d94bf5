/// A parsed robots.txt (RFC 9309): groups by user-agent, Allow/Disallow rules, longest match wins,
/// Allow wins a tie, `*` and a trailing `$` in patterns, percent-encoding normalised before matching.
public struct RobotsRules: Sendable {
    struct Rule: Sendable, Equatable {
        var allow: Bool
        /// Normalised pattern (see `normalize`).
        var pattern: [UInt8]
    }

    struct Group: Sendable {
        /// Lowercased product tokens ("*" for the default group).
        var agents: [String] = []
        var rules: [Rule] = []
    }

    var groups: [Group] = []

    public init(parsing text: String) {
        var current: Group? = nil
        var lastWasAgent = false
        // isNewline: LF, CR and CRLF (one Character in Swift) all end a line.
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            var line = Substring(rawLine)
            if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = String(line[..<colon]).trimmingASCIIWhitespace().lowercased()
            let value = String(line[line.index(after: colon)...]).trimmingASCIIWhitespace()
            switch key {
            case "user-agent":
                // Consecutive user-agent lines share one group; one after rules starts a new group.
                if !lastWasAgent {
                    if let group = current { groups.append(group) }
                    current = Group()
                }
                current?.agents.append(value == "*" ? "*" : Self.productToken(value))
                lastWasAgent = true
            case "allow", "disallow":
                lastWasAgent = false
                // Rules before any user-agent line belong to no group (RFC 9309 §2.1); an empty
                // path matches nothing.
                guard current != nil, !value.isEmpty else { continue }
                current?.rules.append(Rule(allow: key == "allow", pattern: Self.normalize(value, isPattern: true)))
            default:
                // Sitemap, Crawl-delay and unknown keys neither end a group nor add a rule.
                continue
            }
        }
        if let group = current { groups.append(group) }
    }

    /// Whether `path` (path plus "?query", as in the URL) may be crawled by `userAgent`. The product
    /// token of `userAgent` ("UvianWorker" in "UvianWorker/1.0 (+…)") picks the groups, else the `*` groups.
    public func allows(path: String, userAgent: String) -> Bool {
        // RFC 9309 §2.2.2: /robots.txt is always allowed.
        if path == "/robots.txt" { return true }
        let token = Self.productToken(userAgent)
        var rules = groups.filter { !token.isEmpty && $0.agents.contains(token) }.flatMap(\.rules)
        if rules.isEmpty && !groups.contains(where: { !token.isEmpty && $0.agents.contains(token) }) {
            rules = groups.filter { $0.agents.contains("*") }.flatMap(\.rules)
        }
        let target = Self.normalize(path.isEmpty ? "/" : path, isPattern: false)
        var best: Rule? = nil
        for rule in rules where Self.matches(rule.pattern, target) {
            guard let chosen = best else { best = rule; continue }
            let length = rule.pattern.count, chosenLength = chosen.pattern.count
            if length > chosenLength || (length == chosenLength && rule.allow && !chosen.allow) { best = rule }
        }
        return best?.allow ?? true
    }

    /// The product token: the leading run of letters, "-" and "_", lowercased (matching is case-insensitive).
    static func productToken(_ text: String) -> String {
        String(text.trimmingASCIIWhitespace().prefix { ($0.isASCII && $0.isLetter) || $0 == "-" || $0 == "_" }).lowercased()
    }

    /// RFC 9309 §2.2.2: octets outside US-ASCII (and, here, controls and spaces) are percent-encoded;
    /// a percent-encoded unreserved character is decoded; hex digits are uppercased. `*` and `$`
    /// keep their special meaning in patterns only (a path's own "*" or "$" is just an octet).
    static func normalize(_ text: String, isPattern: Bool) -> [UInt8] {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        func hexValue(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        func appendEncoded(_ byte: UInt8) {
            let digits = Array("0123456789ABCDEF".utf8)
            out += [UInt8(ascii: "%"), digits[Int(byte >> 4)], digits[Int(byte & 15)]]
        }
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%"), index + 2 < bytes.count, let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) {
                let decoded = high << 4 | low
                if isUnreserved(decoded) { out.append(decoded) } else { appendEncoded(decoded) }
                index += 3
                continue
            }
            if byte >= 0x80 || byte <= 0x20 || byte == 0x7f { appendEncoded(byte) } else { out.append(byte) }
            index += 1
        }
        return out
    }

    static func isUnreserved(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "~")
    }

    /// Whether `pattern` matches a prefix of `path` (`*` = any run of octets; `$` at the end = end of path).
    static func matches(_ pattern: [UInt8], _ path: [UInt8]) -> Bool {
        var pattern = pattern
        var anchored = false
        if pattern.last == UInt8(ascii: "$") {
            anchored = true
            pattern.removeLast()
        }
        // positions[i]: the path offsets reachable after matching the pattern so far (a set, so `*` is linear per step).
        var positions: [Bool] = Array(repeating: false, count: path.count + 1)
        positions[0] = true
        for symbol in pattern {
            var next = Array(repeating: false, count: path.count + 1)
            if symbol == UInt8(ascii: "*") {
                var reached = false
                for offset in 0...path.count {
                    reached = reached || positions[offset]
                    next[offset] = reached
                }
            } else {
                for offset in 0..<path.count where positions[offset] && path[offset] == symbol { next[offset + 1] = true }
            }
            positions = next
            if !positions.contains(true) { return false }
        }
        return anchored ? positions[path.count] : positions.contains(true)
    }
}
