import HTML

/// Finds a page's main content the way Readability does: blocks of text are scored by their
/// length and commas, the score flows to their ancestors (weighted by tag and by class and id
/// hints), each candidate's score is cut by its link density, and the best candidate (with its
/// parent when siblings hold as much text) is the content. Navigation, headers and footers,
/// sidebars, cookie banners, forms and comments are left out wherever they are (`skips`).
struct MainContent {
    let document: HTMLDocument
    /// Text lengths with only the structural exclusions applied: what a class or id hint is
    /// checked against before it may leave an element out.
    private let structural: TextLengths

    /// Per node (by index): whether `skips` leaves it out, decided once for the page.
    private let skipped: [Bool]
    /// Per node: the class and id hint (`classWeight`), worked out once.
    private let weights: [Int8]

    init(document: HTMLDocument) {
        self.document = document
        structural = TextLengths(document: document, skip: { node in Self.structurallySkipped(node, in: document) })
        var weights = [Int8](repeating: 0, count: document.nodeCount)
        var skipped = [Bool](repeating: false, count: document.nodeCount)
        for index in 0..<document.nodeCount {
            let node = HTMLNode(index: Int32(index))
            guard document.kind(node) == .element else { continue }
            weights[index] = Int8(Self.classWeight(node, in: document))
            skipped[index] = Self.decideSkip(node, weight: Int(weights[index]), structural: structural, in: document)
        }
        self.weights = weights
        self.skipped = skipped
    }

    /// Elements that never hold a page's readable content.
    private static let excludedElements: Set<String> = [
        "script", "style", "noscript", "template", "svg", "nav", "footer", "aside", "form", "button", "iframe", "object",
        "embed", "select", "input", "textarea", "dialog", "canvas", "video", "audio", "map", "head", "title", "meta", "link",
    ]
    private static let excludedRoles: Set<String> = ["navigation", "banner", "contentinfo", "complementary", "search", "dialog", "alertdialog", "menu", "menubar"]
    /// Hints in class and id: a part of one of these words is enough.
    private static let negativeParts = ["sidebar", "comment", "cookie", "breadcrumb", "newsletter", "advert", "banner", "footer",
                                        "navbar", "navigation", "sponsor", "consent", "popup", "subscribe", "disqus", "related-posts"]
    /// Whole words of a class or id (split at anything not a letter or digit).
    private static let negativeWords: Set<String> = ["nav", "ad", "ads", "meta", "share", "sharing", "social", "related", "promo", "modal",
                                                     "skip", "toolbar", "pager", "pagination", "masthead", "gdpr", "menu", "widget", "header"]
    private static let positiveWords: Set<String> = ["article", "body", "content", "entry", "main", "page", "post", "text", "blog", "story",
                                                     "hentry", "document", "documentwrapper", "bodywrapper"]

    /// True for an element (and so everything in it) that is not part of any page's content.
    func skips(_ node: HTMLNode) -> Bool {
        skipped[Int(node.index)]
    }

    private static func decideSkip(_ node: HTMLNode, weight: Int, structural: TextLengths, in document: HTMLDocument) -> Bool {
        if structurallySkipped(node, in: document) { return true }
        let name = document.name(node)
        if name == "html" || name == "body" || name == "article" || name == "main" { return false }
        // A site header (outside any article) is chrome; an article's own header holds its title.
        if name == "header" { return !hasContentAncestor(node, in: document) }
        // A chrome hint in the class or id leaves out what looks like chrome: short, or mostly
        // links. (A section whose id only mentions cookies, on a page about cookies, stays.)
        guard weight < 0 else { return false }
        let text = structural.text[node] ?? 0
        return text < 250 || Double(structural.linkText[node] ?? 0) > 0.33 * Double(text)
    }

    /// What is never content whatever it says: scripts, navigation, forms, hidden elements.
    private static func structurallySkipped(_ node: HTMLNode, in document: HTMLDocument) -> Bool {
        guard document.kind(node) == .element else { return false }
        if excludedElements.contains(document.name(node)) { return true }
        if let role = document.attribute(node, "role")?.lowercased(), excludedRoles.contains(role) { return true }
        if document.attribute(node, "hidden") != nil || document.attribute(node, "aria-hidden")?.lowercased() == "true" { return true }
        if let style = document.attribute(node, "style")?.lowercased().filter({ $0 != " " }),
           style.contains("display:none") || style.contains("visibility:hidden") {
            return true
        }
        return false
    }

    /// The element holding the main content (the body when nothing scores).
    func root() -> HTMLNode {
        let fallback = document.body ?? document.documentElement ?? document.root
        let lengths = TextLengths(document: document, skip: skips)
        var scores: [HTMLNode: Double] = [:]
        func initialise(_ node: HTMLNode) {
            guard scores[node] == nil else { return }
            scores[node] = tagWeight(node) + Double(weights[Int(node.index)])
        }
        for node in lengths.order where isParagraph(node) {
            let length = lengths.text[node] ?? 0
            guard length >= 25 else { continue }
            let score = 1 + Double(lengths.commas[node] ?? 0) + min(Double(length / 100), 3)
            var ancestor = document.parent(node)
            var level = 0
            while let current = ancestor, level < 3, document.kind(current) == .element {
                initialise(current)
                scores[current, default: 0] += score / (level == 0 ? 1 : level == 1 ? 2 : Double(level * 3))
                ancestor = document.parent(current)
                level += 1
            }
        }
        var best: (node: HTMLNode, score: Double)?
        for (node, score) in scores {
            let final = score * (1 - density(node, lengths))
            if best == nil || final > best!.score || (final == best!.score && lengths.position[node]! < lengths.position[best!.node]!) {
                best = (node, final)
            }
        }
        guard var chosen = best?.node, let top = best?.score, top > 0 else { return fallback }
        func finalScore(_ node: HTMLNode) -> Double? { scores[node].map { $0 * (1 - density(node, lengths)) } }
        // A page that says where its main content is (<main>, role=main, its <article>) is taken
        // at its word when the best block lies inside: the innermost such element holding it.
        if let marked = markedContainer(holding: chosen), (lengths.text[marked] ?? 0) > 0 { return marked }
        // Readability's promotions: a common ancestor of three runners-up close to the best; an
        // ancestor scoring higher on the way up; a parent the best is the only child of.
        // Among the five best, as Readability keeps them (a page of thousands of close blocks
        // must not make this walk quadratic).
        var topFive: [(node: HTMLNode, score: Double)] = []
        for node in scores.keys {
            let score = finalScore(node) ?? 0
            guard topFive.count < 5 || score > topFive[4].score else { continue }
            topFive.append((node, score))
            topFive.sort { $0.score != $1.score ? $0.score > $1.score : $0.node < $1.node }
            if topFive.count > 5 { topFive.removeLast() }
        }
        let runnersUp = topFive.filter { $0.node != chosen && $0.score >= 0.75 * top }.map(\.node)
        if runnersUp.count >= 3 {
            var ancestor = document.parent(chosen)
            while let current = ancestor, document.kind(current) == .element, document.name(current) != "body" {
                if runnersUp.filter({ isAncestor(current, of: $0) }).count >= 3 {
                    chosen = current
                    break
                }
                ancestor = document.parent(current)
            }
        }
        var lastScore = finalScore(chosen) ?? top
        var ancestor = document.parent(chosen)
        while let current = ancestor, document.kind(current) == .element, document.name(current) != "body" {
            guard let score = scores[current] else {
                ancestor = document.parent(current)
                continue
            }
            if score < top / 3 { break }
            if score > lastScore {
                chosen = current
                break
            }
            lastScore = score
            ancestor = document.parent(current)
        }
        while let parent = document.parent(chosen), document.kind(parent) == .element, document.name(parent) != "body",
              document.elementChildren(parent).filter({ !skips($0) }).count == 1 {
            chosen = parent
        }
        // Siblings as rich as the best (an article split into several divs): take their parent.
        if let parent = document.parent(chosen), document.kind(parent) == .element, document.name(parent) != "html" {
            let threshold = max(10, top * 0.2)
            let rich = document.elementChildren(parent).filter { sibling in
                sibling != chosen && (finalScore(sibling) ?? 0) >= threshold
            }
            let siblingText = rich.reduce(0) { $0 + (lengths.text[$1] ?? 0) }
            if !rich.isEmpty && Double(siblingText) >= 0.3 * Double(lengths.text[chosen] ?? 0) { chosen = parent }
        }
        return chosen
    }

    /// The innermost `<article>`, `<main>` or `role=main` element around `node` (itself included).
    private func markedContainer(holding node: HTMLNode) -> HTMLNode? {
        var current: HTMLNode? = node
        while let element = current, document.kind(element) == .element {
            let name = document.name(element)
            if name == "article" || name == "main" || document.attribute(element, "role")?.lowercased() == "main" { return element }
            current = document.parent(element)
        }
        return nil
    }

    private func isAncestor(_ ancestor: HTMLNode, of node: HTMLNode) -> Bool {
        var current = document.parent(node)
        while let element = current {
            if element == ancestor { return true }
            current = document.parent(element)
        }
        return false
    }

    private func density(_ node: HTMLNode, _ lengths: TextLengths) -> Double {
        let total = Double(lengths.text[node] ?? 0)
        return total > 0 ? Double(lengths.linkText[node] ?? 0) / total : 1
    }

    private func isParagraph(_ node: HTMLNode) -> Bool {
        guard document.kind(node) == .element else { return false }
        switch document.name(node) {
        case "p", "pre", "td", "blockquote", "dd", "li": return true
        case "div", "section":
            // A div holding text directly (no block inside) reads as a paragraph.
            return !document.elementChildren(node).contains { ContentRenderer.blockElements.contains(document.name($0)) }
        default: return false
        }
    }

    private func tagWeight(_ node: HTMLNode) -> Double {
        switch document.name(node) {
        case "article", "main": return 10
        case "div", "section": return 5
        case "pre", "td", "blockquote": return 3
        case "address", "ol", "ul", "dl", "dd", "dt", "li", "form": return -3
        case "h1", "h2", "h3", "h4", "h5", "h6", "th": return -5
        default: return 0
        }
    }

    /// +25 for a content hint in the class or id, -25 for a chrome hint (unless a content hint is there too).
    private static func classWeight(_ node: HTMLNode, in document: HTMLDocument) -> Int {
        let className = document.attribute(node, "class"), id = document.attribute(node, "id")
        guard className != nil || id != nil else { return 0 }
        let hints = ((className ?? "") + " " + (id ?? "")).lowercased()
        var negative = false
        for word in hints.split(whereSeparator: { !($0.isLetter || $0.isNumber) }) {
            let word = String(word)
            if positiveWords.contains(word) { return 25 }
            if negativeWords.contains(word) { negative = true }
        }
        return negative || negativeParts.contains(where: { hints.contains($0) }) ? -25 : 0
    }

    private static func hasContentAncestor(_ node: HTMLNode, in document: HTMLDocument) -> Bool {
        var ancestor = document.parent(node)
        while let current = ancestor, document.kind(current) == .element {
            let name = document.name(current)
            if name == "article" || name == "main" || document.attribute(current, "role")?.lowercased() == "main" { return true }
            ancestor = document.parent(current)
        }
        return false
    }
}

/// Per element, in one pass over the tree: the length of its readable text (skipped subtrees
/// left out), of the text inside links, and its commas.
struct TextLengths {
    var text: NodeCounts
    var linkText: NodeCounts
    var commas: NodeCounts
    /// Document position, to break ties the same way every run (nil: not visited).
    var position: NodeCounts
    /// Elements in document order.
    var order: [HTMLNode] = []

    init(document: HTMLDocument, skip: (HTMLNode) -> Bool) {
        text = NodeCounts(count: document.nodeCount)
        linkText = NodeCounts(count: document.nodeCount)
        commas = NodeCounts(count: document.nodeCount)
        position = NodeCounts(count: document.nodeCount, absent: -1)
        // Post-order without recursion: a hostile page can nest deeper than a thread's stack.
        var stack: [(node: HTMLNode, inLink: Bool, visited: Bool)] = [(document.root, false, false)]
        while let (node, inLink, visited) = stack.popLast() {
            switch document.kind(node) {
            case .text:
                // Scalars and bytes, not Characters: grapheme breaking every text of a page was
                // a good part of the time on large pages.
                let raw = document.text(node) ?? ""
                let length = PageParts.collapse(raw).unicodeScalars.count
                let commaCount = raw.utf8.reduce(0) { $0 + ($1 == UInt8(ascii: ",") ? 1 : 0) }
                if let parent = document.parent(node) {
                    text[parent, default: 0] += length
                    commas[parent, default: 0] += commaCount
                    if inLink { linkText[parent, default: 0] += length }
                }
            case .element, .document:
                if visited {
                    if let parent = document.parent(node) {
                        text[parent, default: 0] += text[node] ?? 0
                        linkText[parent, default: 0] += linkText[node] ?? 0
                        commas[parent, default: 0] += commas[node] ?? 0
                    }
                    continue
                }
                if document.kind(node) == .element && skip(node) { continue }
                position[node] = order.count
                order.append(node)
                let link = inLink || document.name(node) == "a"
                stack.append((node, inLink, true))
                for child in document.children(node).reversed() { stack.append((child, link, false)) }
            default:
                continue
            }
        }
    }
}

/// A count per node of one document, in an array by node index (dictionaries keyed by node were
/// most of the time on a page of hundreds of thousands of elements).
struct NodeCounts {
    private var values: [Int]
    private let absent: Int

    init(count: Int, absent: Int = 0) {
        values = [Int](repeating: absent, count: count)
        self.absent = absent
    }

    /// nil when nothing was recorded (for counts: zero).
    subscript(node: HTMLNode) -> Int? {
        get {
            let value = values[Int(node.index)]
            return value == absent ? nil : value
        }
        set { values[Int(node.index)] = newValue ?? absent }
    }

    subscript(node: HTMLNode, default fallback: Int) -> Int {
        get { self[node] ?? fallback }
        set { values[Int(node.index)] = newValue }
    }
}
