public import GuardedFetch
public import PluginKit

extension ConfigReader {
    /// The fetcher's policy from the `allow` key every fetching plugin shares (scraping, documents,
    /// images): the SSRF guard's exceptions as a comma-separated string or a list of CIDRs and
    /// host:port entries; absent or null, none.
    public func fetchPolicy() throws -> FetchPolicy {
        switch self["allow"] {
        case .string(let list)?: return FetchPolicy(allowList: list)
        case .array(let entries)?: return FetchPolicy(allowList: entries.compactMap(\.stringValue).joined(separator: ","))
        case nil, .null?: return FetchPolicy()
        default: throw failure("allow must be a comma-separated string or a list of CIDRs and host:port entries")
        }
    }
}
