/// The words the rules compare tokens with by spelling. Their raw values are word ids.
enum FunctionWord: UInt16, CaseIterable {
    case no = 1, kind, of, least, at, very, never, so, this, without, doubt, but, or, nor

    var spelling: String {
        switch self {
        case .no: "no"
        case .kind: "kind"
        case .of: "of"
        case .least: "least"
        case .at: "at"
        case .very: "very"
        case .never: "never"
        case .so: "so"
        case .this: "this"
        case .without: "without"
        case .doubt: "doubt"
        case .but: "but"
        case .or: "or"
        case .nor: "nor"
        }
    }
}

/// Everything the rules need to know about one lowercased word, so a token costs one hash lookup.
struct WordEntry: Sendable {
    /// Its valence if it is in the lexicon.
    var valence: Double?
    /// Its BOOSTER_DICT scalar if it is a single-word booster or dampener.
    var booster: Double?
    /// In NEGATE (the "n't" rule is checked on the token itself).
    var isNegation = false
    /// Nonzero for function words and words of multi-word phrases: phrases are then matched by ids.
    var id: UInt16 = 0
}

/// Multi-word phrases as sequences of word ids. The Python joins lowercased tokens with spaces and
/// looks the string up; as tokens never contain a space, that is the same as matching word by word.
struct PhraseKey: Hashable, Sendable {
    let packed: UInt64

    /// nil when a word is not part of any phrase (id 0): then nothing can match.
    @inline(__always)
    init?(_ first: UInt16, _ second: UInt16) {
        guard first != 0, second != 0 else { return nil }
        packed = 2 << 48 | UInt64(first) << 16 | UInt64(second)
    }

    @inline(__always)
    init?(_ first: UInt16, _ second: UInt16, _ third: UInt16) {
        guard first != 0, second != 0, third != 0 else { return nil }
        packed = 3 << 48 | UInt64(first) << 32 | UInt64(second) << 16 | UInt64(third)
    }
}

/// The lexicon merged with the rule word lists, built once per analyzer.
struct WordTable: Sendable {
    let entries: [String: WordEntry]
    /// SPECIAL_CASES, by word ids.
    let specialCases: [PhraseKey: Double]
    /// The multi-word BOOSTER_DICT entries ("kind of", "sort of", "just enough"), by word ids.
    let boosterPhrases: [PhraseKey: Double]

    init(lexicon: VaderLexicon) {
        var entries: [String: WordEntry] = [:]
        for (word, valence) in lexicon.valences {
            entries[word, default: WordEntry()].valence = valence
        }
        for (word, scalar) in VaderRules.boosters where !word.contains(" ") {
            entries[word, default: WordEntry()].booster = scalar
        }
        for word in VaderRules.negations {
            entries[word, default: WordEntry()].isNegation = true
        }
        for word in FunctionWord.allCases {
            entries[word.spelling, default: WordEntry()].id = word.rawValue
        }
        var nextID = UInt16(FunctionWord.allCases.count + 1)

        func phraseKey(_ phrase: String) -> PhraseKey? {
            let words = phrase.split(separator: " ").map(String.init)
            var ids: [UInt16] = []
            for word in words {
                var entry = entries[word] ?? WordEntry()
                if entry.id == 0 {
                    entry.id = nextID
                    nextID += 1
                    entries[word] = entry
                }
                ids.append(entry.id)
            }
            switch ids.count {
            case 2: return PhraseKey(ids[0], ids[1])
            case 3: return PhraseKey(ids[0], ids[1], ids[2])
            default: return nil  // the Python never builds a lookup of other lengths
            }
        }

        var specialCases: [PhraseKey: Double] = [:]
        for (phrase, valence) in VaderRules.specialCases {
            if let key = phraseKey(phrase) { specialCases[key] = valence }
        }
        var boosterPhrases: [PhraseKey: Double] = [:]
        for (phrase, scalar) in VaderRules.boosters where phrase.contains(" ") {
            if let key = phraseKey(phrase) { boosterPhrases[key] = scalar }
        }
        self.entries = entries
        self.specialCases = specialCases
        self.boosterPhrases = boosterPhrases
    }
}
