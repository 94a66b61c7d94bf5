/// English syllables by rule, with no dictionary: vowel groups (a e i o u, and y except before a vowel at
/// the start of a word), less a silent e, with the usual corrections. Every word has at least one.
/// Rules, in order:
/// - compounds with a silent e inside count by halves ("something", "filename", "therefore");
/// - a word without a vowel is spelled out ("xml": 3); "-ire" and consonant + "-ier" add one ("fire", "easier");
/// - "-es" is silent ("makes", "tries") except after s, x, z, ch, sh, c, g ("boxes", "places", "judges");
///   "-ed" is silent ("jumped") except after t or d ("wanted"); a consonant + "l" before either is "-le" again;
/// - a final e is silent ("make") except in consonant + "le" ("table") and "ee"/"ye" ("agree", "eye"),
///   and so is an e between a consonant and "-ly", "-ment(s)", "-ness", "-ful", "-less" ("lovely",
///   "useful"; before "-ment" only after four letters or more: "statement", but "element");
/// - vowel pairs that are two syllables count two: "ia" (not after c, s, t: "piano", but "special"),
///   "io" (not after c, g, s, t, x, not before n: "biology", but "nation", "union"), "eo" (not before u:
///   "video", but "gorgeous", "people"), "ua" and "ue" (not after g, q: "actual", "cruel"), a vowel before
///   "-ing" ("being"), and "-ism" ("tourism").
/// Digits and symbols have no vowels: a number counts one. Accented vowels count as their base letter, except
/// that é is never silent.
public enum Syllables {
    public static func count(_ word: String) -> Int {
        count(letters: Self.letters(word))
    }

    /// First halves of compounds whose silent e sits inside the word: "something", "filename", "therefore".
    private static let compoundHeads: [[UInt8]] = ["some", "there", "where", "more", "home", "house", "life", "time",
        "care", "name", "base", "case", "code", "file", "line", "note", "type", "space"].map { Array($0.utf8) }

    private static func count(letters: [UInt8]) -> Int {
        var letters = letters
        guard !letters.isEmpty else { return 1 }
        if let head = compoundHeads.first(where: { letters.count > $0.count + 2 && letters.starts(with: $0) }) {
            return count(letters: head) + count(letters: Array(letters[head.count...]))
        }
        // No vowel at all ("http", "xml"): read out letter by letter, w as "dou-ble-u".
        guard letters.contains(where: isVowel) else {
            return letters.count + 2 * letters.filter { $0 == UInt8(ascii: "w") }.count
        }
        // "-ire" is two ("fire", "required"), "-ier" after a consonant too ("easier"), however the ending is spelled.
        let stem = letters.hasSuffix("s") || letters.hasSuffix("d") ? Array(letters.dropLast()) : letters
        let extra = (stem.hasSuffix("ire") && stem.count > 3 ? 1 : 0)
            + (letters.hasSuffix("ier") && letters.count > 4 && isConsonant(letters[letters.count - 4]) ? 1 : 0)
        Self.dropSilentEndings(&letters)
        var count = Self.vowelGroups(letters) + Self.splitVowelPairs(letters) + extra
        if letters.hasSuffix("ism") { count += 1 }
        return max(count, 1)
    }

    /// Lowercase ASCII letters, accents removed from vowels (é kept apart as "E"), everything else dropped.
    private static func letters(_ word: String) -> [UInt8] {
        var result: [UInt8] = []
        for scalar in word.lowercased().unicodeScalars {
            switch scalar {
            case "a"..."z": result.append(UInt8(scalar.value))
            case "à", "á", "â", "ä", "ã", "å": result.append(UInt8(ascii: "a"))
            case "è", "ê", "ë": result.append(UInt8(ascii: "e"))
            case "é": result.append(UInt8(ascii: "E"))  // always sounded, never a silent e: "café"
            case "ì", "í", "î", "ï": result.append(UInt8(ascii: "i"))
            case "ò", "ó", "ô", "ö", "õ": result.append(UInt8(ascii: "o"))
            case "ù", "ú", "û", "ü": result.append(UInt8(ascii: "u"))
            default: break
            }
        }
        return result
    }

    private static func isVowel(_ letter: UInt8) -> Bool {
        switch letter {
        case UInt8(ascii: "a"), UInt8(ascii: "e"), UInt8(ascii: "i"), UInt8(ascii: "o"), UInt8(ascii: "u"), UInt8(ascii: "y"),
             UInt8(ascii: "E"):
            true
        default: false
        }
    }

    private static func isConsonant(_ letter: UInt8) -> Bool { !isVowel(letter) }

    private static func dropSilentEndings(_ letters: inout [UInt8]) {
        let count = letters.count
        if count > 3 && letters.hasSuffix("es") {
            let stem = Array(letters.dropLast(2))
            if stem.hasSuffix("ch") || stem.hasSuffix("sh") || "sxzcg".utf8.contains(stem[stem.count - 1]) {
                return  // "boxes", "places": the e is sounded
            }
            letters = Self.endsInConsonantL(stem) ? stem + [UInt8(ascii: "e")] : stem
        } else if count > 3 && letters.hasSuffix("ed") {
            let stem = Array(letters.dropLast(2))
            if "td".utf8.contains(stem[stem.count - 1]) { return }  // "wanted"
            letters = Self.endsInConsonantL(stem) ? stem + [UInt8(ascii: "e")] : stem
        }
        for suffix in ["ly", "ment", "ments", "ness", "ful", "less"] where letters.hasSuffix(suffix) {
            let e = letters.count - suffix.utf8.count - 1
            if e >= (suffix.hasPrefix("ment") ? 3 : 2) && letters[e] == UInt8(ascii: "e") && isConsonant(letters[e - 1])
                && !(letters[e - 1] == UInt8(ascii: "l") && isConsonant(letters[e - 2]))
            {
                letters.remove(at: e)
            }
            break
        }
        guard letters.count > 2, letters.last == UInt8(ascii: "e") else { return }
        let before = letters[letters.count - 2]
        if before == UInt8(ascii: "l") && isConsonant(letters[letters.count - 3]) && letters[letters.count - 3] != UInt8(ascii: "l") {
            return  // "table": -le is a syllable
        }
        if before == UInt8(ascii: "e") || before == UInt8(ascii: "y") { return }  // "agree", "eye"
        letters.removeLast()
    }

    private static func endsInConsonantL(_ stem: [UInt8]) -> Bool {
        stem.count >= 2 && stem[stem.count - 1] == UInt8(ascii: "l") && isConsonant(stem[stem.count - 2])
            && stem[stem.count - 2] != UInt8(ascii: "l")
    }

    private static func vowelGroups(_ letters: [UInt8]) -> Int {
        var groups = 0, inGroup = false
        for (index, letter) in letters.enumerated() {
            var vowel = isVowel(letter)
            // A y opening the word before a vowel is a consonant: "yes", "you".
            if index == 0 && letter == UInt8(ascii: "y") && letters.count > 1 && isVowel(letters[1]) { vowel = false }
            if vowel && !inGroup { groups += 1 }
            inGroup = vowel
        }
        return groups
    }

    private static func splitVowelPairs(_ letters: [UInt8]) -> Int {
        var extra = 0
        for index in 0..<max(letters.count - 1, 0) {
            let pair = (letters[index], letters[index + 1])
            let before: UInt8 = index > 0 ? letters[index - 1] : 0
            let after: UInt8 = index + 2 < letters.count ? letters[index + 2] : 0
            switch pair {
            case (UInt8(ascii: "i"), UInt8(ascii: "a")):
                if !"cst".utf8.contains(before) { extra += 1 }
            case (UInt8(ascii: "i"), UInt8(ascii: "o")):
                if !"cgstx".utf8.contains(before) && after != UInt8(ascii: "n") { extra += 1 }
            case (UInt8(ascii: "e"), UInt8(ascii: "o")):
                if after != UInt8(ascii: "u") && after != UInt8(ascii: "p") { extra += 1 }
            case (UInt8(ascii: "u"), UInt8(ascii: "a")), (UInt8(ascii: "u"), UInt8(ascii: "e")):
                if before != UInt8(ascii: "g") && before != UInt8(ascii: "q") && index + 2 < letters.count { extra += 1 }
            default:
                break
            }
        }
        if letters.count > 4 && letters.hasSuffix("ing") && isVowel(letters[letters.count - 4]) { extra += 1 }
        return extra
    }
}

extension Array where Element == UInt8 {
    fileprivate func hasSuffix(_ suffix: String) -> Bool {
        let tail = Array(suffix.utf8)
        return count >= tail.count && self[(count - tail.count)...].elementsEqual(tail)
    }
}
