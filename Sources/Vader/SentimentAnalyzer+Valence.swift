// The word-level rules of `sentiment_valence`, in the Python's order: the order matters, since
// later rules scale what earlier ones produced.

extension SentimentAnalyzer {
    /// The valence of the token at `index` after its neighbours have had their say.
    func valence(at index: Int, of sentiText: SentiText) -> Double {
        let tokens = sentiText.tokens
        let token = tokens[index]
        guard let lexiconValence = token.valence else { return 0 }
        var valence = lexiconValence

        // "no" before a lexicon word negates it rather than counting as negative itself.
        if token.is(.no), index != tokens.count - 1, tokens[index + 1].isInLexicon {
            valence = 0
        }
        if (index > 0 && tokens[index - 1].is(.no))
            || (index > 1 && tokens[index - 2].is(.no))
            || (index > 2 && tokens[index - 3].is(.no) && (tokens[index - 1].is(.or) || tokens[index - 1].is(.nor))) {
            valence = lexiconValence * VaderRules.negationScalar
        }

        if token.isUpper && sentiText.isCapDifferential {
            // A zero valence (a "no" that negates the next word) counts as negative here.
            if valence > 0 { valence += VaderRules.capsIncrement } else { valence -= VaderRules.capsIncrement }
        }

        // Up to three preceding words that are not lexicon words may boost, dampen or negate.
        for distance in 1 ... 3 where index >= distance && !tokens[index - distance].isInLexicon {
            var scalar = boosterScalar(tokens[index - distance], valence: valence, isCapDifferential: sentiText.isCapDifferential)
            if distance == 2 && scalar != 0 { scalar *= VaderRules.secondWordDamping }
            if distance == 3 && scalar != 0 { scalar *= VaderRules.thirdWordDamping }
            valence += scalar
            valence = negationCheck(valence, tokens, distance: distance, index: index)
            if distance == 3 { valence = specialIdiomsCheck(valence, tokens, index: index) }
        }
        return leastCheck(valence, tokens, index: index)
    }

    /// `scalar_inc_dec`: a booster pushes away from zero, a dampener towards it; in caps, further.
    private func boosterScalar(_ token: Token, valence: Double, isCapDifferential: Bool) -> Double {
        guard let booster = token.booster else { return 0 }
        var scalar = valence < 0 ? -booster : booster
        if token.isUpper && isCapDifferential {
            if valence > 0 { scalar += VaderRules.capsIncrement } else { scalar -= VaderRules.capsIncrement }
        }
        return scalar
    }

    /// `_negation_check` for the word `distance` places before the sentiment word.
    private func negationCheck(_ valence: Double, _ tokens: [Token], distance: Int, index: Int) -> Double {
        switch distance {
        case 1:
            return tokens[index - 1].negates ? valence * VaderRules.negationScalar : valence
        case 2:
            if tokens[index - 2].is(.never) && (tokens[index - 1].is(.so) || tokens[index - 1].is(.this)) {
                return valence * VaderRules.neverSoBoost
            }
            if tokens[index - 2].is(.without) && tokens[index - 1].is(.doubt) { return valence }
            return tokens[index - 2].negates ? valence * VaderRules.negationScalar : valence
        default:
            // The Python's `a and (b or c) or (d or e)`: a "so"/"this" right before the word boosts
            // on its own, whatever the third word back is.
            if (tokens[index - 3].is(.never) && (tokens[index - 2].is(.so) || tokens[index - 2].is(.this)))
                || (tokens[index - 1].is(.so) || tokens[index - 1].is(.this)) {
                return valence * VaderRules.neverSoBoost
            }
            if tokens[index - 3].is(.without) && (tokens[index - 2].is(.doubt) || tokens[index - 1].is(.doubt)) {
                return valence
            }
            return tokens[index - 3].negates ? valence * VaderRules.negationScalar : valence
        }
    }

    /// `_special_idioms_check` (only reached with three words before the sentiment word).
    private func specialIdiomsCheck(_ valence: Double, _ tokens: [Token], index: Int) -> Double {
        var valence = valence
        let i = index
        func ids(_ position: Int) -> UInt16 { tokens[position].id }
        let before = [
            PhraseKey(ids(i - 1), ids(i)), PhraseKey(ids(i - 2), ids(i - 1), ids(i)), PhraseKey(ids(i - 2), ids(i - 1)),
            PhraseKey(ids(i - 3), ids(i - 2), ids(i - 1)), PhraseKey(ids(i - 3), ids(i - 2)),
        ]
        for case let key? in before {
            if let special = words.specialCases[key] {
                valence = special
                break
            }
        }
        if tokens.count - 1 > i, let key = PhraseKey(ids(i), ids(i + 1)), let special = words.specialCases[key] {
            valence = special
        }
        if tokens.count - 1 > i + 1, let key = PhraseKey(ids(i), ids(i + 1), ids(i + 2)), let special = words.specialCases[key] {
            valence = special
        }
        // Booster bigrams ("kind of", "sort of") just before the word add their scalar unsigned.
        for case let key? in [PhraseKey(ids(i - 3), ids(i - 2), ids(i - 1)), PhraseKey(ids(i - 3), ids(i - 2)), PhraseKey(ids(i - 2), ids(i - 1))] {
            if let booster = words.boosterPhrases[key] { valence += booster }
        }
        return valence
    }

    /// `_least_check`: "least good" negates, "at least good" and "very least good" do not.
    private func leastCheck(_ valence: Double, _ tokens: [Token], index: Int) -> Double {
        guard index > 0, !tokens[index - 1].isInLexicon, tokens[index - 1].is(.least) else { return valence }
        if index > 1 {
            let twoBack = tokens[index - 2]
            return twoBack.is(.at) || twoBack.is(.very) ? valence : valence * VaderRules.negationScalar
        }
        return valence * VaderRules.negationScalar
    }
}
