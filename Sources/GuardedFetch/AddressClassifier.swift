/// The SSRF guard's decision for one address: which non-public range it is in, if any. A pure
/// function of the address bytes, so it is unit-tested without sockets.
public enum AddressClassifier {
    /// (network, prefix length, name) of every IPv4 range the guard refuses.
    static let blockedIPv4: [(IPAddress, Int, String)] = [
        ("0.0.0.0", 8, "this network"),
        ("10.0.0.0", 8, "private"),
        ("100.64.0.0", 10, "shared address space (CGNAT)"),
        ("127.0.0.0", 8, "loopback"),
        ("169.254.0.0", 16, "link-local (cloud metadata)"),
        ("172.16.0.0", 12, "private"),
        ("192.0.0.0", 24, "IETF protocol assignments"),
        ("192.0.2.0", 24, "documentation"),
        ("192.168.0.0", 16, "private"),
        ("198.18.0.0", 15, "benchmarking"),
        ("198.51.100.0", 24, "documentation"),
        ("203.0.113.0", 24, "documentation"),
        ("224.0.0.0", 4, "multicast"),
        ("240.0.0.0", 4, "reserved (and broadcast)"),
    ].map { (IPAddress($0.0)!, $0.1, $0.2) }

    /// The IPv6 ranges refused outright. IPv4-mapped addresses (::ffff:0:0/96) are judged by the
    /// IPv4 address they carry; the translation and tunnel prefixes that embed IPv4 addresses (NAT64,
    /// 6to4, Teredo) are refused whole, since the IPv4 they reach cannot be checked reliably.
    static let blockedIPv6: [(IPAddress, Int, String)] = [
        // ::/96 holds :: (unspecified), ::1 (loopback) and the deprecated IPv4-compatible addresses.
        ("::", 96, "unspecified, loopback or IPv4-compatible"),
        ("64:ff9b::", 96, "NAT64"),
        ("64:ff9b:1::", 48, "local-use NAT64"),
        ("100::", 64, "discard-only"),
        ("2001::", 32, "Teredo"),
        ("2001:db8::", 32, "documentation"),
        ("2002::", 16, "6to4"),
        ("fc00::", 7, "unique local"),
        ("fe80::", 10, "link-local"),
        ("fec0::", 10, "site-local"),
        ("ff00::", 8, "multicast"),
    ].map { (IPAddress($0.0)!, $0.1, $0.2) }

    /// Why `bytes` (4 or 16 bytes, network order) must not be dialled, or nil when it is a public address.
    public static func blockedRange(_ bytes: [UInt8]) -> String? {
        guard let address = IPAddress(bytes: bytes) else { return "not an IP address" }
        return blockedRange(address)
    }

    public static func blockedRange(_ address: IPAddress) -> String? {
        if let v4 = address.mappedIPv4 {
            // Dialling ::ffff:a.b.c.d reaches a.b.c.d: allowed only when that IPv4 address is public.
            return blockedRange(v4).map { "IPv4-mapped \($0)" }
        }
        let table = address.isIPv4 ? blockedIPv4 : blockedIPv6
        for (network, length, name) in table where address.hasPrefix(network, length: length) {
            return "\(network)/\(length) \(name)"
        }
        return nil
    }

    public static func isPublic(_ bytes: [UInt8]) -> Bool { blockedRange(bytes) == nil }
}
