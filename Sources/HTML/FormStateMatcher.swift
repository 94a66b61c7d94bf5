/// `:checked`, `:disabled`, `:enabled`, `:link` from markup alone (a parsed page has no user state),
/// following the HTML spec's definitions of these pseudo-classes.
enum FormStateMatcher {
    /// Elements that can be "actually disabled" and so match `:enabled` otherwise.
    static let disableable: Set<String> = ["button", "input", "select", "textarea", "optgroup", "option", "fieldset"]

    static func matches(_ pseudo: PseudoClass, _ doc: HTMLDocument, _ e: Int) -> Bool {
        guard doc.namespaces[e] == .html else { return false }
        let node = HTMLNode(index: Int32(e))
        let name = doc.names[Int(doc.nameIDs[e])]
        switch pseudo {
        case .link:
            return (name == "a" || name == "area") && doc.attribute(node, "href") != nil
        case .checked:
            if name == "input", let type = doc.attribute(node, "type"),
               ASCII.equalsIgnoringCase(type, "checkbox") || ASCII.equalsIgnoringCase(type, "radio") {
                return doc.attribute(node, "checked") != nil
            }
            return name == "option" && doc.attribute(node, "selected") != nil
        case .disabled:
            return disableable.contains(name) && actuallyDisabled(doc, node, name)
        case .enabled:
            return disableable.contains(name) && !actuallyDisabled(doc, node, name)
        default:
            return false
        }
    }

    /// The HTML spec's "actually disabled": own `disabled`, an option in a disabled optgroup, or a
    /// form control inside a disabled fieldset but not inside that fieldset's first legend.
    static func actuallyDisabled(_ doc: HTMLDocument, _ node: HTMLNode, _ name: String) -> Bool {
        if doc.attribute(node, "disabled") != nil { return true }
        if name == "optgroup" { return false }
        if name == "option" {
            if let p = doc.parent(node), doc.name(p) == "optgroup", doc.attribute(p, "disabled") != nil { return true }
            return false
        }
        var child = node
        while let ancestor = doc.parent(child) {
            if doc.kind(ancestor) == .element, doc.name(ancestor) == "fieldset", doc.attribute(ancestor, "disabled") != nil {
                let firstLegend = doc.elementChildren(ancestor).first { doc.name($0) == "legend" }
                if child != firstLegend { return true }
            }
            child = ancestor
        }
        return false
    }
}
