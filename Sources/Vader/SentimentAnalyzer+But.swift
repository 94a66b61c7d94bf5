extension SentimentAnalyzer {
    /// Beyond this many tokens the scan for the first equal value (quadratic in all) gives way to an index.
    static let butScanLimit = 64

    /// `_but_check`: sentiment before the first "but" is halved, after it multiplied by 1.5.
    ///
    /// Reproduced literally, quirk included: the Python walks the list and, for each value, rescales
    /// the FIRST position holding an equal value (`list.index`), not the position it is at. When a
    /// value equals an earlier (already rescaled) one, the earlier position is rescaled again and
    /// this one not at all, which changes the sum when the two lie on different sides of "but".
    func applyButWeighting(_ tokens: [Token], _ sentiments: inout [Double]) {
        guard let butIndex = tokens.firstIndex(where: { $0.is(.but) }) else { return }
        var index = sentiments.count > Self.butScanLimit ? FirstPositionIndex(sentiments) : nil
        for position in sentiments.indices {
            let sentiment = sentiments[position]
            // The first equal value is at or before `position`.
            var first = 0
            if index != nil {
                first = index!.firstPosition(of: sentiment, in: sentiments)
            } else {
                while sentiments[first] != sentiment { first += 1 }
            }
            let weighted: Double
            if first < butIndex {
                weighted = sentiment * VaderRules.beforeButWeight
            } else if first > butIndex {
                weighted = sentiment * VaderRules.afterButWeight
            } else {
                continue
            }
            sentiments[first] = weighted
            if weighted != sentiment { index?.record(first, holds: weighted) }
        }
    }
}
