// Which words before a single period do not end a sentence. Lowercased, without the final period (an inner
// one stays: "e.g"). Short on purpose: dotted letters ("p.m", "U.S", "Ph.D") and single letters are
// recognised by their shape, so only whole words need to be listed.

enum Abbreviations {
    /// Words that stand before what they qualify, so a capital after them starts a name, not a sentence.
    static let prefixes: Set<String> = [
        "mr", "mrs", "ms", "messrs", "mme", "mlle", "dr", "drs", "prof", "rev", "hon", "fr", "sr", "st", "mt",
        "gen", "col", "lt", "capt", "cmdr", "sgt", "cpl", "maj", "adm", "gov", "sen", "rep", "pres", "supt",
        "vs", "v", "e.g", "i.e", "cf", "viz", "approx", "ca", "incl",
    ]

    /// Words that stand before a number ("No. 5", "Jan. 3", "Fig. 2", "pp. 10–12"): no split when a digit follows.
    static let beforeNumber: Set<String> = [
        "no", "nos", "fig", "figs", "vol", "vols", "p", "pp", "ch", "chap", "sec", "art", "eq", "ed", "op", "pt",
        "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    ]

    /// Other common abbreviations: they end a sentence before a capital ("... and Co. They"), but a period
    /// after them before a lowercase word is theirs ("etc. and", "Co. at noon").
    static let others: Set<String> = [
        "etc", "al", "inc", "ltd", "co", "corp", "bros", "jr", "dept", "est", "esp", "misc", "govt", "univ", "assn",
        "ave", "blvd", "rd", "hr", "hrs", "min", "mins", "secs", "yr", "yrs", "mo", "mos", "wk", "wks", "oz",
        "lb", "lbs", "ft", "cm", "mm", "km", "kg", "ibid", "intl", "natl",
    ]

    /// Words that commonly open a sentence. After dotted letters ("U.S.", "a.m.") a capital starts a new sentence
    /// only if it is one of these: "the U.S. Government" is one sentence, "in the U.S. They" two.
    static let sentenceStarters: Set<String> = [
        "the", "a", "an", "this", "that", "these", "those", "there", "then", "it", "its", "he", "she", "we", "they",
        "i", "you", "his", "her", "our", "their", "my", "your", "but", "and", "or", "so", "if", "in", "on", "at",
        "for", "as", "when", "while", "after", "before", "however", "also", "what", "who", "how", "why", "where",
        "one", "some", "all", "many", "most", "no", "not", "yes", "to", "by", "with", "from", "each", "every", "both",
    ]

    static func isDotted(_ key: String) -> Bool {
        key.contains(".") && isAbbreviation(key)
    }

    /// A known abbreviation, a single letter, or dotted letters whose every part has one or two letters
    /// ("p.m", "e.g", "U.S", "Ph.D", but not "sys.path").
    static func isAbbreviation(_ key: String) -> Bool {
        if prefixes.contains(key) || beforeNumber.contains(key) || others.contains(key) { return true }
        let parts = key.split(separator: ".", omittingEmptySubsequences: false)
        return parts.allSatisfy { (1...2).contains($0.count) && $0.allSatisfy(\.isLetter) } && (parts.count > 1 || parts[0].count == 1)
    }
}
