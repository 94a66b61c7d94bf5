/// Matches parsed selectors against one document, right to left, counting work.
///
/// A class (not a struct) so the step counter and `:has` anchor are shared through the recursion
/// without inout plumbing; one matcher serves one `select` call and is never shared across threads.
final class SelectorMatcher {
    let doc: HTMLDocument
    let maxSteps: Int
    private(set) var steps = 0
    private(set) var exceeded = false
    /// The element the innermost `:has()` is evaluated for (what `.anchor` matches).
    private var anchor = -1

    init(document: HTMLDocument, maxSteps: Int) {
        doc = document
        self.maxSteps = maxSteps
    }

    func matchesAny(_ list: [ComplexSelector], _ element: Int) -> Bool {
        for selector in list where matches(selector, element) { return true }
        return false
    }

    func matches(_ selector: ComplexSelector, _ element: Int) -> Bool {
        matches(selector, selector.compounds.count - 1, element)
    }

    /// Does compound `k` match `element`, and do compounds `0..<k` match along the combinators to its left?
    private func matches(_ selector: ComplexSelector, _ k: Int, _ element: Int) -> Bool {
        guard matchesCompound(selector.compounds[k], element) else { return false }
        if k == 0 { return true }
        switch selector.combinators[k - 1] {
        case .child:
            let p = parentElement(element)
            return p >= 0 && matches(selector, k - 1, p)
        case .descendant:
            var p = parentElement(element)
            while p >= 0 {
                if matches(selector, k - 1, p) { return true }
                if exceeded { return false }
                p = parentElement(p)
            }
            return false
        case .nextSibling:
            let s = previousElement(element)
            return s >= 0 && matches(selector, k - 1, s)
        case .subsequentSibling:
            var s = previousElement(element)
            while s >= 0 {
                if matches(selector, k - 1, s) { return true }
                if exceeded { return false }
                s = previousElement(s)
            }
            return false
        }
    }

    private func matchesCompound(_ compound: CompoundSelector, _ e: Int) -> Bool {
        steps += 1
        if steps > maxSteps { exceeded = true }
        if exceeded { return false }
        if let tag = compound.tag, doc.names[Int(doc.nameIDs[e])] != tag { return false }
        for simple in compound.simples where !matchesSimple(simple, e) { return false }
        return true
    }

    private func matchesSimple(_ simple: SimpleSelector, _ e: Int) -> Bool {
        switch simple {
        case let .id(id):
            return doc.idValue(e) == id
        case let .className(name):
            return doc.classes(e).contains(name)
        case let .attribute(selector):
            return AttributeMatcher.matches(selector, doc, e)
        case let .pseudo(pseudo):
            return matchesPseudo(pseudo, e)
        case let .nth(nth):
            return matchesNth(nth, e)
        case let .not(list):
            return !matchesAny(list, e)
        case let .isAny(list):
            return matchesAny(list, e)
        case let .has(list):
            return matchesHas(list, e)
        case .anchor:
            return e == anchor
        }
    }

    // MARK: - :has()

    /// Tries the candidates a relative selector can reach from `e`: its subtree for `>`/descendant,
    /// its following siblings (and their subtrees) for `+`/`~`. Single-compound forms check only the
    /// elements the combinator can reach (children, the next sibling, following siblings).
    private func matchesHas(_ list: [ComplexSelector], _ e: Int) -> Bool {
        let saved = anchor
        anchor = e
        defer { anchor = saved }
        for relative in list {
            let leading = relative.combinators[0]
            let simple = relative.compounds.count == 2
            switch (leading, simple) {
            case (.child, true):
                var c = Int(doc.firstChildren[e])
                while c >= 0 {
                    if doc.kinds[c] == .element, matches(relative, c) { return true }
                    c = Int(doc.nextSiblings[c])
                }
            case (.nextSibling, true):
                let s = nextElement(e)
                if s >= 0, matches(relative, s) { return true }
            case (.subsequentSibling, true):
                var s = nextElement(e)
                while s >= 0 {
                    if matches(relative, s) { return true }
                    s = nextElement(s)
                }
            case (.child, false), (.descendant, _):
                for d in doc.descendantRange(HTMLNode(index: Int32(e))) where doc.kinds[d] == .element {
                    if matches(relative, d) { return true }
                    if exceeded { return false }
                }
            case (.nextSibling, false), (.subsequentSibling, false):
                let p = Int(doc.parents[e])
                let end = p >= 0 ? Int(doc.subtreeEnds[p]) : doc.kinds.count
                for d in Int(doc.subtreeEnds[e]) ..< end where doc.kinds[d] == .element {
                    if matches(relative, d) { return true }
                    if exceeded { return false }
                }
            }
            if exceeded { return false }
        }
        return false
    }

    // MARK: - Structural pseudo-classes

    private func matchesPseudo(_ pseudo: PseudoClass, _ e: Int) -> Bool {
        switch pseudo {
        case .firstChild: return previousElement(e) < 0
        case .lastChild: return nextElement(e) < 0
        case .onlyChild: return previousElement(e) < 0 && nextElement(e) < 0
        case .firstOfType: return previousOfType(e) < 0
        case .lastOfType: return nextOfType(e) < 0
        case .onlyOfType: return previousOfType(e) < 0 && nextOfType(e) < 0
        case .root:
            let p = Int(doc.parents[e])
            return p >= 0 && doc.kinds[p] == .document
        case .empty:
            // Selectors 3 / browsers: any element or text child (even whitespace) makes it non-empty.
            var c = Int(doc.firstChildren[e])
            while c >= 0 {
                switch doc.kinds[c] {
                case .element: return false
                case .text where !doc.strings[Int(doc.dataStarts[c])].isEmpty: return false
                default: break
                }
                c = Int(doc.nextSiblings[c])
            }
            return true
        case .checked, .disabled, .enabled, .link:
            return FormStateMatcher.matches(pseudo, doc, e)
        }
    }

    private func matchesNth(_ nth: NthSelector, _ e: Int) -> Bool {
        if let of = nth.of, !matchesAny(of, e) { return false }
        var position = 1
        var s = nth.fromEnd ? nextElement(e) : previousElement(e)
        let nameID = doc.nameIDs[e]
        while s >= 0 {
            steps += 1
            if nth.ofType {
                if doc.nameIDs[s] == nameID, doc.namespaces[s] == doc.namespaces[e] { position += 1 }
            } else if let of = nth.of {
                if matchesAny(of, s) { position += 1 }
                if exceeded { return false }
            } else {
                position += 1
            }
            s = nth.fromEnd ? nextElement(s) : previousElement(s)
        }
        return nth.matches(position: position)
    }

    // MARK: - Navigation (elements only)

    @inline(__always)
    private func parentElement(_ e: Int) -> Int {
        let p = Int(doc.parents[e])
        return p >= 0 && doc.kinds[p] == .element ? p : -1
    }

    @inline(__always)
    private func previousElement(_ e: Int) -> Int {
        var s = Int(doc.previousSiblings[e])
        while s >= 0, doc.kinds[s] != .element { s = Int(doc.previousSiblings[s]) }
        return s
    }

    @inline(__always)
    private func nextElement(_ e: Int) -> Int {
        var s = Int(doc.nextSiblings[e])
        while s >= 0, doc.kinds[s] != .element { s = Int(doc.nextSiblings[s]) }
        return s
    }

    private func previousOfType(_ e: Int) -> Int {
        var s = previousElement(e)
        while s >= 0, doc.nameIDs[s] != doc.nameIDs[e] || doc.namespaces[s] != doc.namespaces[e] { s = previousElement(s) }
        return s
    }

    private func nextOfType(_ e: Int) -> Int {
        var s = nextElement(e)
        while s >= 0, doc.nameIDs[s] != doc.nameIDs[e] || doc.namespaces[s] != doc.namespaces[e] { s = nextElement(s) }
        return s
    }
}
