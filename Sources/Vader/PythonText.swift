// The parts of Python's `str` the Python VADER relies on, on code points as Python sees them:
// `isspace` (what `split()`/`strip()` cut at), `lower()` and `isupper()`. Swift's own notions
// differ (Character-based, other whitespace set, no final sigma), so they are spelled out here.

enum PythonText {
    /// The Unicode version of the reference interpreter (CPython 3.11 ships Unicode 14.0). Code points
    /// assigned later are unassigned to it: no case, no lowercase mapping. Swift's tables are newer.
    static let unicodeVersion = (major: 14, minor: 0)

    /// `str.isspace()`: bidirectional class WS, B or S, or category Zs. Includes U+001C...U+001F
    /// and U+0085, which Swift's `isWhitespace` treats differently.
    @inline(__always)
    static func isSpace(_ value: UInt32) -> Bool {
        if value < 0x80 { return (0x09...0x0D).contains(value) || (0x1C...0x20).contains(value) }
        switch value {
        case 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }

    /// `string.punctuation`: the 32 ASCII punctuation characters, nothing beyond ASCII.
    @inline(__always)
    static func isASCIIPunctuation(_ byte: UInt8) -> Bool {
        (0x21...0x2F).contains(byte) || (0x3A...0x40).contains(byte)
            || (0x5B...0x60).contains(byte) || (0x7B...0x7E).contains(byte)
    }

    /// The scalar's properties as the reference interpreter knows them, or nil if it is unassigned there.
    private static func knownProperties(_ scalar: Unicode.Scalar) -> Unicode.Scalar.Properties? {
        let properties = scalar.properties
        guard let age = properties.age else { return nil }
        if age.major > unicodeVersion.major || (age.major == unicodeVersion.major && age.minor > unicodeVersion.minor) {
            return nil
        }
        return properties
    }

    /// `str.isupper()`: at least one uppercase character and no lowercase or titlecase one.
    static func isUpper(_ scalars: String.UnicodeScalarView) -> Bool {
        var cased = false
        for scalar in scalars {
            guard let properties = knownProperties(scalar) else { continue }
            if isLowercase(scalar, properties) || properties.generalCategory == .titlecaseLetter { return false }
            if properties.isUppercase { cased = true }
        }
        return cased
    }

    /// The Lowercase property in Unicode 14. Checked against CPython 3.11 for every code point:
    /// these are the only ones whose value changed in Swift's newer tables.
    private static func isLowercase(_ scalar: Unicode.Scalar, _ properties: Unicode.Scalar.Properties) -> Bool {
        switch scalar.value {
        case 0x0295: true  // ʕ, Ll until Unicode 16 made it Lo
        case 0x10FC, 0xA7F2...0xA7F4, 0xAB69: false  // modifier letters made Other_Lowercase after 14
        default: properties.isLowercase
        }
    }

    /// `str.lower()`: full (one-to-many) lowercase mappings, and capital sigma becomes final
    /// sigma when it ends a word (Python applies that context rule; Swift's `lowercased()` does not).
    static func lower(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        var result = String.UnicodeScalarView()
        for (index, scalar) in scalars.enumerated() {
            if scalar.value == 0x3A3 {
                result.append(isFinalSigma(at: index, in: scalars) ? "\u{3C2}" : "\u{3C3}")
                continue
            }
            guard scalar.value >= 0x80 else {
                result.append((0x41...0x5A).contains(scalar.value) ? Unicode.Scalar(scalar.value + 0x20)! : scalar)
                continue
            }
            guard let properties = knownProperties(scalar) else {
                result.append(scalar)
                continue
            }
            result.append(contentsOf: properties.lowercaseMapping.unicodeScalars)
        }
        return String(result)
    }

    /// Python's `handle_capital_sigma`: a cased letter before (skipping case-ignorables) and none after.
    private static func isFinalSigma(at index: Int, in scalars: [Unicode.Scalar]) -> Bool {
        var before = index - 1
        while before >= 0, isCaseIgnorable(scalars[before]) { before -= 1 }
        guard before >= 0, isCased(scalars[before]) else { return false }
        var after = index + 1
        while after < scalars.count, isCaseIgnorable(scalars[after]) { after += 1 }
        return after == scalars.count || !isCased(scalars[after])
    }

    private static func isCased(_ scalar: Unicode.Scalar) -> Bool {
        knownProperties(scalar)?.isCased ?? false
    }

    private static func isCaseIgnorable(_ scalar: Unicode.Scalar) -> Bool {
        knownProperties(scalar)?.isCaseIgnorable ?? false
    }
}
