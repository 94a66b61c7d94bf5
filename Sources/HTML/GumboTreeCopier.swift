import CGumbo

/// Runs gumbo and copies its tree into an `HTMLDocument` arena, then frees gumbo's output.
///
/// gumbo does the HTML5 tree construction (misnested tags, implied elements, foster parenting, the
/// adoption agency); this type only flattens the result, interning names and splitting classes on the way.
enum GumboTreeCopier {
    static func parse(_ utf8: [UInt8], maxNodes: Int) throws(HTMLError) -> HTMLDocument {
        var defaults = kGumboDefaultOptions
        // Parse errors are never reported to callers; not recording them saves memory on broken pages.
        defaults.max_errors = 0
        return try GumboArena.withOptions(defaults) { (options: inout GumboOptions) throws(HTMLError) -> HTMLDocument in
            let output: UnsafeMutablePointer<GumboOutput>? = utf8.withUnsafeBufferPointer { buffer in
                buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: max(buffer.count, 1)) {
                    gumbo_parse_with_options(&options, $0, buffer.count)
                }
            }
            // An empty array still has a valid (non-nil) base address in Swift, so the force-unwrap above is safe.
            guard let output else { throw .parseFailed }
            defer { gumbo_destroy_output(&options, output) }
            var copier = Copier(maxNodes: maxNodes)
            try copier.copy(document: output.pointee.document)
            return copier.document
        }
    }

    private struct Copier {
        var document = HTMLDocument()
        let maxNodes: Int
        var nameIndex: [String: Int32] = [:]
        /// Name IDs of known tags by gumbo tag enum value (avoids a dictionary lookup per element).
        var tagNameIDs: [Int32] = Array(repeating: -1, count: Int(GUMBO_TAG_LAST.rawValue) + 1)

        init(maxNodes: Int) { self.maxNodes = maxNodes }

        mutating func copy(document root: UnsafeMutablePointer<GumboNode>) throws(HTMLError) {
            _ = try append(.document, parent: -1)
            let gumboDocument = root.pointee.v.document
            if gumboDocument.has_doctype {
                let doctype = try append(.doctype, parent: 0)
                document.dataStarts[doctype] = addString(gumboDocument.name.map { String(cString: $0) } ?? "")
            }
            // Explicit stack instead of recursion: hostile pages nest deeply (gumbo does not cap depth).
            var stack: [(UnsafeMutablePointer<GumboNode>, Int32)] = []
            pushChildren(gumboDocument.children, parent: 0, onto: &stack)
            while let (node, parent) = stack.popLast() {
                let gumbo = node.pointee
                switch gumbo.type {
                case GUMBO_NODE_ELEMENT, GUMBO_NODE_TEMPLATE:
                    let index = try appendElement(gumbo.v.element, parent: parent)
                    pushChildren(gumbo.v.element.children, parent: Int32(index), onto: &stack)
                case GUMBO_NODE_COMMENT:
                    let index = try append(.comment, parent: parent)
                    document.dataStarts[index] = addString(String(cString: gumbo.v.text.text))
                default:  // TEXT, CDATA and WHITESPACE are all DOM text.
                    let index = try append(.text, parent: parent)
                    document.dataStarts[index] = addString(String(cString: gumbo.v.text.text))
                }
            }
            // Pre-order storage: children have higher indices, so one reverse pass fills subtree ends.
            for i in stride(from: document.kinds.count - 1, through: 0, by: -1) {
                let last = document.lastChildren[i]
                document.subtreeEnds[i] = last < 0 ? Int32(i + 1) : document.subtreeEnds[Int(last)]
            }
        }

        private func pushChildren(
            _ children: GumboVector, parent: Int32,
            onto stack: inout [(UnsafeMutablePointer<GumboNode>, Int32)]
        ) {
            // Reverse order so that popping visits the first child first (pre-order).
            var i = Int(children.length) - 1
            while i >= 0 {
                let child = children.data[i]!.assumingMemoryBound(to: GumboNode.self)
                stack.append((child, parent))
                i -= 1
            }
        }

        private mutating func appendElement(_ element: GumboElement, parent: Int32) throws(HTMLError) -> Int {
            let index = try append(.element, parent: parent)
            document.nameIDs[index] = nameID(element)
            switch element.tag_namespace {
            case GUMBO_NAMESPACE_SVG: document.namespaces[index] = .svg
            case GUMBO_NAMESPACE_MATHML: document.namespaces[index] = .mathml
            default: document.namespaces[index] = .html
            }
            document.dataStarts[index] = Int32(document.attributeStore.count)
            document.classStarts[index] = Int32(document.classTokens.count)
            let attributes = element.attributes
            for a in 0 ..< Int(attributes.length) {
                let attribute = attributes.data[a]!.assumingMemoryBound(to: GumboAttribute.self).pointee
                let name = ASCII.lowercased(String(cString: attribute.name))
                let value = String(cString: attribute.value)
                if name == "id", document.idAttributes[index] < 0 {
                    document.idAttributes[index] = Int32(document.attributeStore.count)
                } else if name == "class", document.classCounts[index] == 0 {
                    let tokens = ASCII.splitWhitespace(value)
                    document.classTokens.append(contentsOf: tokens)
                    document.classCounts[index] = Int32(tokens.count)
                }
                document.attributeStore.append(HTMLAttribute(name: name, value: value))
            }
            document.attributeCounts[index] = Int32(attributes.length)
            return index
        }

        /// Known tags: gumbo's normalized (lowercase) name. Unknown tags: the name from the original source
        /// text (`<my-Widget a=b>` → `my-widget`), lowercased as the tokenizer would.
        private mutating func nameID(_ element: GumboElement) -> Int32 {
            let tag = Int(element.tag.rawValue)
            if element.tag != GUMBO_TAG_UNKNOWN, tagNameIDs[tag] >= 0 { return tagNameIDs[tag] }
            let name: String
            if element.tag != GUMBO_TAG_UNKNOWN {
                name = String(cString: gumbo_normalized_tagname(element.tag))
            } else {
                var piece = element.original_tag
                gumbo_tag_from_original_text(&piece)
                if let data = piece.data, piece.length > 0 {
                    let raw = UnsafeRawBufferPointer(start: data, count: piece.length)
                    name = String(decoding: raw.map(ASCII.lower), as: UTF8.self)
                } else {
                    name = ""
                }
            }
            let id = intern(name)
            if element.tag != GUMBO_TAG_UNKNOWN { tagNameIDs[tag] = id }
            return id
        }

        private mutating func intern(_ name: String) -> Int32 {
            if let id = nameIndex[name] { return id }
            let id = Int32(document.names.count)
            document.names.append(name)
            nameIndex[name] = id
            return id
        }

        private mutating func addString(_ s: String) -> Int32 {
            document.strings.append(s)
            return Int32(document.strings.count - 1)
        }

        /// Appends a node as the last child of `parent`, enforcing the node limit.
        private mutating func append(_ kind: HTMLNodeKind, parent: Int32) throws(HTMLError) -> Int {
            let index = document.kinds.count
            if index >= maxNodes { throw .tooManyNodes(limit: maxNodes) }
            document.kinds.append(kind)
            document.namespaces.append(.html)
            document.nameIDs.append(-1)
            document.parents.append(parent)
            document.firstChildren.append(-1)
            document.lastChildren.append(-1)
            document.nextSiblings.append(-1)
            document.subtreeEnds.append(Int32(index + 1))
            document.dataStarts.append(-1)
            document.attributeCounts.append(0)
            document.classStarts.append(0)
            document.classCounts.append(0)
            document.idAttributes.append(-1)
            var previous: Int32 = -1
            if parent >= 0 {
                let p = Int(parent)
                previous = document.lastChildren[p]
                if previous >= 0 { document.nextSiblings[Int(previous)] = Int32(index) } else { document.firstChildren[p] = Int32(index) }
                document.lastChildren[p] = Int32(index)
            }
            document.previousSiblings.append(previous)
            return index
        }
    }
}
