import Foundation
import HTML
import PluginKit

/// The per-match and page-wide parts of a scrape: a match's text, HTML and attributes, the
/// page's title and its links.
struct PageParts {
    let document: HTMLDocument
    let base: URL?

    /// `<title>`'s text, whitespace collapsed (nil when the page has none or it is empty).
    var title: String? {
        for node in document.descendants(of: document.root) where document.kind(node) == .element && document.name(node) == "title" {
            let text = Self.collapse(document.textContent(node))
            return text.isEmpty ? nil : text
        }
        return nil
    }

    func match(_ node: HTMLNode, extract: ExtractSet) -> JSONValue {
        var entry: [String: JSONValue] = [:]
        if extract.contains(.text) { entry["text"] = .string(document.innerText(node)) }
        if extract.contains(.html) { entry["html"] = .string(document.outerHTML(node)) }
        if extract.contains(.attrs) {
            var attributes: [String: JSONValue] = [:]
            // The first of a repeated attribute wins, as HTML's parser keeps it.
            for attribute in document.attributes(node) where attributes[attribute.name] == nil {
                attributes[attribute.name] = .string(attribute.value)
            }
            entry["attrs"] = .object(attributes)
        }
        return .object(entry)
    }

    /// Every `a[href]` (and `area[href]`) within `scopes`, absolute, deduplicated by URL in
    /// document order, each with its text (the first non-empty text a URL is linked with).
    func links(in scopes: [HTMLNode]) -> JSONValue {
        var order: [String] = []
        var texts: [String: String] = [:]
        for scope in scopes {
            for node in [scope] + document.descendants(of: scope) where document.kind(node) == .element {
                let name = document.name(node)
                guard name == "a" || name == "area",
                      let href = document.attribute(node, "href"), let url = PageURL.resolve(href, against: base) else { continue }
                let text = Self.collapse(name == "area" ? document.attribute(node, "alt") ?? "" : document.textContent(node))
                if let known = texts[url] {
                    if known.isEmpty && !text.isEmpty { texts[url] = text }
                } else {
                    order.append(url)
                    texts[url] = text
                }
            }
        }
        return .array(order.map { .object(["url": .string($0), "text": .string(texts[$0] ?? "")]) })
    }

    /// Runs of whitespace made one space, ends trimmed.
    static func collapse(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            if scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" || scalar == "\u{0C}" || scalar == "\u{A0}" {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(" ") }
                pendingSpace = false
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
