/// What paragraphs need from word/styles.xml and word/numbering.xml: style names (ids are localized or
/// custom, names are not), heading levels, list properties inherited through `basedOn`, number formats.
struct StyleSheet: Sendable {
    private struct Style: Sendable {
        var type: String
        var name: String?
        var basedOn: String?
        var numPr: XMLElement?
    }

    private var styles: [String: Style] = [:]
    private var defaultParagraphStyle: String?
    /// numId → abstractNumId, and abstractNumId → the number format of each level.
    private var abstractForNum: [String: String] = [:]
    private var formats: [String: [Int: String]] = [:]

    /// Word stores its built-in styles under lowercase names; python-docx (BabelFish) shows these as the UI does.
    private static let uiNames: [String: String] = {
        var names = ["caption": "Caption", "footer": "Footer", "header": "Header"]
        for level in 1...9 { names["heading \(level)"] = "Heading \(level)" }
        return names
    }()

    init(styles: XMLElement?, numbering: XMLElement?) {
        for style in styles?.children("w:style") ?? [] {
            guard let id = style.attribute("w:styleId") else { continue }
            let type = style.attribute("w:type") ?? "paragraph"
            let name = style.value(of: "w:name").map { Self.uiNames[$0] ?? $0 }
            self.styles[id] = Style(type: type, name: name, basedOn: style.value(of: "w:basedOn"),
                                    numPr: style.child("w:pPr")?.child("w:numPr"))
            // python-docx takes the last style marked default="1" of the type.
            if style.attribute("w:type") == "paragraph" && style.attribute("w:default") == "1" { defaultParagraphStyle = id }
        }
        for num in numbering?.children("w:num") ?? [] {
            if let id = num.attribute("w:numId"), let abstract = num.value(of: "w:abstractNumId") { abstractForNum[id] = abstract }
        }
        for abstract in numbering?.children("w:abstractNum") ?? [] {
            guard let id = abstract.attribute("w:abstractNumId") else { continue }
            var levels: [Int: String] = [:]
            for level in abstract.children("w:lvl") {
                if let ilvl = level.attribute("w:ilvl").flatMap({ Int($0) }) { levels[ilvl] = level.value(of: "w:numFmt") ?? "decimal" }
            }
            formats[id] = levels
        }
    }

    /// The paragraph style id python-docx would use: the given one if it is a paragraph style, else the default.
    func effectiveParagraphStyle(_ id: String?) -> String? {
        if let id, styles[id]?.type == "paragraph" { return id }
        return defaultParagraphStyle
    }

    func name(_ id: String?) -> String? { id.flatMap { styles[$0]?.name } }

    /// "Title" → 0, "Heading N" → N, also through `basedOn` for headings (custom heading styles are
    /// usually based on one) but not for Title (Word's Subtitle is based on Title and is no heading).
    func headingLevel(_ id: String?) -> Int? {
        if let id, styles[id]?.name == "Title" { return 0 }
        var current = id
        var seen: Set<String> = []
        while let id = current, seen.insert(id).inserted, let style = styles[id] {
            if let name = style.name, name.hasPrefix("Heading "), let level = Int(name.dropFirst(8)), (1...9).contains(level) {
                return level
            }
            current = style.basedOn
        }
        return nil
    }

    /// The paragraph's own `w:numPr`, else the nearest one in its style chain. numId 0 means "not a list".
    func listInfo(paragraphNumPr: XMLElement?, styleID: String?) -> DocxListInfo? {
        var numPr = paragraphNumPr
        var current = styleID
        var seen: Set<String> = []
        while numPr?.value(of: "w:numId") == nil, let id = current, seen.insert(id).inserted, let style = styles[id] {
            numPr = style.numPr
            current = style.basedOn
        }
        guard let numID = numPr?.value(of: "w:numId"), numID != "0" else { return nil }
        let level = numPr?.value(of: "w:ilvl").flatMap { Int($0) } ?? 0
        let format = abstractForNum[numID].flatMap { formats[$0]?[level] } ?? "bullet"
        return DocxListInfo(numID: numID, level: level, ordered: format != "bullet" && format != "none")
    }
}
