import Foundation
import HTML
import PluginKit

/// A page's metadata as search engines and link previews read it: title, description,
/// canonical URL, language, OpenGraph and Twitter card properties, JSON-LD blocks (parsed) and
/// the feeds it links to.
struct PageMetadata {
    let document: HTMLDocument
    let base: URL?

    var json: JSONValue {
        var title: String?
        var description: String?
        var canonical: String?
        var language = document.documentElement.flatMap { document.attribute($0, "lang") }.map(PageParts.collapse)
        var openGraph: [String: JSONValue] = [:]
        var twitter: [String: JSONValue] = [:]
        var jsonLD: [JSONValue] = []
        var feeds: [JSONValue] = []
        var icons: [String] = []

        for node in document.descendants(of: document.root) where document.kind(node) == .element {
            switch document.name(node) {
            case "title" where title == nil:
                let text = PageParts.collapse(document.textContent(node))
                if !text.isEmpty { title = text }
            case "meta":
                let content = document.attribute(node, "content").map(PageParts.collapse)
                let name = (document.attribute(node, "name") ?? "").lowercased()
                let property = (document.attribute(node, "property") ?? "").lowercased()
                guard let content else { continue }
                if name == "description", description == nil { description = content }
                if language == nil, document.attribute(node, "http-equiv")?.lowercased() == "content-language" { language = content }
                // OpenGraph uses `property`, Twitter `name`; pages mix them up, so both are read.
                for key in [property, name] where key.hasPrefix("og:") && openGraph[key] == nil {
                    openGraph[key] = .string(content)
                }
                for key in [name, property] where key.hasPrefix("twitter:") && twitter[key] == nil {
                    twitter[key] = .string(content)
                }
            case "link":
                let rel = Set((document.attribute(node, "rel") ?? "").lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init))
                guard let href = document.attribute(node, "href"), let url = PageURL.resolve(href, against: base) else { continue }
                if rel.contains("canonical"), canonical == nil { canonical = url }
                if rel.contains("icon") { icons.append(url) }
                let type = (document.attribute(node, "type") ?? "").lowercased()
                if rel.contains("alternate"), ["application/rss+xml", "application/atom+xml", "application/feed+json", "application/json"].contains(type) {
                    var feed: [String: JSONValue] = ["url": .string(url), "type": .string(type)]
                    if let title = document.attribute(node, "title") { feed["title"] = .string(PageParts.collapse(title)) }
                    feeds.append(.object(feed))
                }
            case "script":
                guard document.attribute(node, "type")?.lowercased().trimmingCharacters(in: .whitespaces) == "application/ld+json" else { continue }
                let text = document.textContent(node)
                if let value = try? JSONValue.parse(text) {
                    // A @graph block or a list holds several items; each is one entry.
                    if case .array(let items) = value { jsonLD.append(contentsOf: items) } else { jsonLD.append(value) }
                }
            default:
                continue
            }
        }
        if title == nil { title = openGraph["og:title"]?.stringValue }
        if description == nil { description = openGraph["og:description"]?.stringValue ?? twitter["twitter:description"]?.stringValue }
        return .object([
            "title": title.map(JSONValue.string) ?? .null,
            "description": description.map(JSONValue.string) ?? .null,
            "canonical": canonical.map(JSONValue.string) ?? .null,
            "language": language.flatMap { $0.isEmpty ? nil : JSONValue.string($0) } ?? .null,
            "opengraph": .object(openGraph),
            "twitter": .object(twitter),
            "json_ld": .array(jsonLD),
            "feeds": .array(feeds),
            "icons": .array(icons.map(JSONValue.string)),
        ])
    }
}
