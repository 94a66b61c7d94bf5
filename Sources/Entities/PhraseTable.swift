/// Longest-match dictionary of lowercased token sequences ("new york", "university of paris").
/// Every proper prefix of a key is stored too, so a scan stops as soon as no key can continue.
struct PhraseTable: Sendable {
    struct Entry: Sendable {
        var type: EntityType?
        var confidence: Double
        /// Higher rank wins a key claimed by two sources (a known organisation over a small city).
        var rank: Int
        /// Acronyms ("WHO", "US") only match when written in capitals.
        var allCapsOnly: Bool
        /// Cities: a single-word name at a sentence start needs a large population to count.
        var population: Int
        var isPrefix: Bool
    }

    private(set) var entries: [String: Entry] = Dictionary(minimumCapacity: 1 << 17)
    private(set) var maxPieces = 1

    /// Key pieces of a name, as the matcher builds them from text: words and numbers lowercased,
    /// '&' kept, other punctuation ("St. Louis", "Saint-Denis") dropped.
    static func pieces(of name: String) -> [String] {
        let cps = codePoints(name)
        return Tokenizer.tokenize(cps).compactMap { t in
            switch t.kind {
            case .word, .number: return t.lower
            case .punct: return t.lower == "&" ? "&" : nil
            }
        }
    }

    mutating func add(_ name: String, type: EntityType, confidence: Double, rank: Int, allCapsOnly: Bool = false, population: Int = 0) {
        add(pieces: PhraseTable.pieces(of: name), type: type, confidence: confidence, rank: rank, allCapsOnly: allCapsOnly, population: population)
    }

    mutating func add(pieces p: [String], type: EntityType, confidence: Double, rank: Int, allCapsOnly: Bool = false, population: Int = 0) {
        guard !p.isEmpty else { return }
        maxPieces = max(maxPieces, p.count)
        var key = ""
        for (index, piece) in p.enumerated() {
            key += index == 0 ? piece : " " + piece
            if index < p.count - 1 {
                if entries[key] == nil {
                    entries[key] = Entry(type: nil, confidence: 0, rank: -1, allCapsOnly: false, population: 0, isPrefix: true)
                } else {
                    entries[key]!.isPrefix = true
                }
            }
        }
        if var existing = entries[key] {
            if existing.type == nil || rank > existing.rank || (rank == existing.rank && population > existing.population) {
                existing.type = type
                existing.confidence = confidence
                existing.rank = rank
                existing.allCapsOnly = allCapsOnly
                existing.population = population
                entries[key] = existing
            }
        } else {
            entries[key] = Entry(type: type, confidence: confidence, rank: rank, allCapsOnly: allCapsOnly, population: population, isPrefix: false)
        }
    }

    func lookup(_ key: String) -> Entry? { entries[key] }
}
