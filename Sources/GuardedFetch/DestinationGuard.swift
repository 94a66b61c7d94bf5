/// The SSRF rule on its own, for callers that dial sockets themselves (the script plugin's egress
/// proxy): an address may be dialled when it is public or an allow entry covers it.
public struct DestinationGuard: Sendable {
    let allowList: AllowList
    /// Allow entries that could not be parsed (they allow nothing); for the caller to log.
    public var invalidEntries: [String] { allowList.invalid }

    /// - Parameter allow: as `FetchPolicy.allow` (CIDRs, "host:port", bare IPs or host names).
    public init(allow: [String]) {
        allowList = AllowList(allow)
    }

    /// Why dialling `address`:`port` for the host name `host` is refused, or nil when it is allowed.
    public func refusal(_ address: IPAddress, port: Int, host: String) -> String? {
        Self.refusal(address, port: port, host: host, allow: allowList)
    }

    static func refusal(_ address: IPAddress, port: Int, host: String, allow: AllowList) -> String? {
        guard let range = AddressClassifier.blockedRange(address) else { return nil }
        return allow.allows(address, port: port, urlHost: host) ? nil : range
    }
}
