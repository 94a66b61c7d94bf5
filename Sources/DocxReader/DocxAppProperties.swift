/// docProps/app.xml (extended properties). Word's figures are as of its last save, not recomputed.
public struct DocxAppProperties: Sendable, Equatable {
    /// Every simple element by local name ("Application", "Pages", "Words", "Company"...).
    public var values: [String: String] = [:]

    init() {}

    init(_ root: XMLElement) {
        for element in root.elements where element.elements.isEmpty {
            values[element.name.hasPrefix("ep:") ? String(element.name.dropFirst(3)) : element.name] = element.text
        }
    }

    public var application: String? { values["Application"] }
    public var appVersion: String? { values["AppVersion"] }
    public var company: String? { values["Company"] }
    public var template: String? { values["Template"] }
    public var pages: Int? { values["Pages"].flatMap { Int($0) } }
    public var words: Int? { values["Words"].flatMap { Int($0) } }
    public var characters: Int? { values["Characters"].flatMap { Int($0) } }
    public var charactersWithSpaces: Int? { values["CharactersWithSpaces"].flatMap { Int($0) } }
    public var lines: Int? { values["Lines"].flatMap { Int($0) } }
    public var paragraphs: Int? { values["Paragraphs"].flatMap { Int($0) } }
    public var totalTimeMinutes: Int? { values["TotalTime"].flatMap { Int($0) } }
}
