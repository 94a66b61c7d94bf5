/// A part's relationships (`_rels/<part>.rels`): id → resolved target, plus lookups by type.
struct Relationships: Sendable {
    struct Entry: Sendable {
        var id: String
        /// Relationship type URI's last path component ("officeDocument", "styles", "hyperlink"...).
        var type: String
        /// A zip entry name for internal targets, the URL as written for external ones.
        var target: String
        var external: Bool
    }

    var entries: [Entry] = []

    init() {}

    /// `source` is the part the relationships belong to ("" for the package), so relative targets resolve.
    init(_ root: XMLElement, source: String) {
        let base = source.split(separator: "/").dropLast().map(String.init)
        for rel in root.children("rel:Relationship") {
            guard let id = rel.attribute("Id"), let target = rel.attribute("Target") else { continue }
            let external = rel.attribute("TargetMode") == "External"
            let type = String(rel.attribute("Type")?.split(separator: "/").last ?? "")
            entries.append(Entry(id: id, type: type, target: external ? target : Self.resolve(target, base: base), external: external))
        }
    }

    subscript(id: String) -> Entry? { entries.first { $0.id == id } }
    func first(type: String) -> Entry? { entries.first { $0.type == type && !$0.external } }

    /// Where the rels file of `part` lives: word/document.xml → word/_rels/document.xml.rels.
    static func path(for part: String) -> String {
        var components = part.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let name = components.removeLast()
        return (components + ["_rels", name + ".rels"]).joined(separator: "/")
    }

    /// Joins a target to its source's folder, handling "/" (package root) and "..".
    static func resolve(_ target: String, base: [String]) -> String {
        var parts = target.hasPrefix("/") ? [] : base
        for component in target.split(separator: "/") {
            if component == ".." { _ = parts.popLast() } else if component != "." { parts.append(String(component)) }
        }
        return parts.joined(separator: "/")
    }
}
