import JSON

/// Country and subdivision names and currency codes from Debian's iso-codes JSON.
struct ISOCodes {
    var countries: [String] = []
    var subdivisions: [String] = []
    var currencies: Set<String> = []

    static func load(directory: String) throws -> ISOCodes {
        var result = ISOCodes()
        for entry in try records(directory + "/iso_3166-1.json", key: "3166-1") {
            for field in ["name", "common_name", "official_name"] {
                // "the State of Eritrea": the article stays outside the entity.
                if let name = entry[field]?.stringValue, usable(name) {
                    result.countries.append(name.hasPrefix("the ") ? String(name.dropFirst(4)) : name)
                }
            }
        }
        for entry in try records(directory + "/iso_3166-2.json", key: "3166-2") {
            if let name = entry["name"]?.stringValue, usable(name) { result.subdivisions.append(name) }
        }
        for entry in try records(directory + "/iso_4217.json", key: "4217") {
            if let code = entry["alpha_3"]?.stringValue { result.currencies.insert(code) }
        }
        return result
    }

    /// Inverted forms ("Korea, Republic of") and qualified ones ("Bonaire (…)") are not how text
    /// names a place; the common names and the hand-written aliases cover those countries.
    private static func usable(_ name: String) -> Bool {
        !name.contains(",") && !name.contains("(") && !name.contains("[")
    }

    private static func records(_ path: String, key: String) throws -> [JSONValue] {
        let value = try JSONValue.parse(try FileReader.read(path))
        guard let list = value[key]?.arrayValue else {
            throw GazetteerError(path: path, reason: "no \"\(key)\" array")
        }
        return list
    }
}
