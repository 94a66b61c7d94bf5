import GuardedFetch
public import PluginKit

/// The `scraping` plugin: task type `web_scraping`. A page fetched through the guarded fetcher
/// (http/https only, the SSRF guard at connect time, caps, retries, per-host politeness), parsed
/// into an HTML5 tree by gumbo, then selected with the project's CSS engine and turned into
/// text, HTML, attributes, links, main content, Markdown and metadata.
final class ScrapingPlugin: Plugin {
    static let name = "scraping"
    static let version = "1.0.0"
    static let description = "Fetches a page safely and extracts matches of a CSS selector, its main content as text or Markdown, links and metadata"

    static var taskTypes: [TaskType<ScrapingPlugin>] {
        [
            .sync("web_scraping", schema: ScrapeParams.schema,
                  description: "fetch a URL and extract matches of a CSS selector, main content, markdown, links and metadata",
                  flags: [.cancellable, .blocking]) { (plugin: ScrapingPlugin, params: ScrapeParams, context: TaskContext) in
                try ScrapeJob(plugin: plugin, params: params, context: context).run()
            }
            // Refused before any request goes out: a selector that does not parse.
            .selfTest(params: #"{"url":"http://example.invalid/","selector":"div >"}"#, failsWith: .invalidParams, containing: "invalid_selector"),
        ]
    }

    let config: ScrapingConfig
    let fetcher: Fetcher
    let robots: RobotsCache
    /// The most nodes one page may have once parsed.
    let maxNodes = 1_000_000

    init(config: PluginConfig, host: HostServices) throws {
        self.config = try ScrapingConfig(config)
        fetcher = Fetcher(policy: self.config.policy)
        robots = RobotsCache(fetcher: fetcher)
        if !fetcher.invalidAllowEntries.isEmpty {
            // Not fatal (the rest of the allowlist works), but an operator must hear of it.
            host.log(.warning, "scraping: allow entries that are neither a CIDR nor host:port are ignored: "
                     + fetcher.invalidAllowEntries.joined(separator: ", "))
        }
    }
}

@_cdecl("uvw_plugin_entry_v1")
public func uvw_plugin_entry_v1() -> UnsafePointer<uvw_plugin_v1> {
    PluginExport.descriptor(for: ScrapingPlugin.self)
}
