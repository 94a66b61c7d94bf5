/// Hugging Face's BertNormalizer (clean_text, handle_chinese_chars, strip_accents, lowercase — all on, as in
/// all-MiniLM-L6-v2's tokenizer.json) followed by its BertPreTokenizer (split on whitespace, punctuation
/// as separate words).
///
/// Every character class and mapping comes from `UnicodeTables`, generated from the `tokenizers` library
/// itself, so the result matches it on every scalar regardless of the Unicode version of the Swift runtime.
struct BertTextNormalizer: Sendable {
    private let removed = ScalarSet(ranges: UnicodeTables.removedByCleanText)
    private let whitespace = ScalarSet(ranges: UnicodeTables.whitespace)
    private let chinese = ScalarSet(ranges: UnicodeTables.chineseCharacters)
    private let nonspacingMarks = ScalarSet(ranges: UnicodeTables.nonspacingMarks)
    private let punctuation = ScalarSet(ranges: UnicodeTables.punctuation)
    private let decompositions = ScalarMapping(flat: UnicodeTables.decompositions)
    private let lowercase = ScalarMapping(flat: UnicodeTables.lowercaseMappings)

    private static let space: UInt32 = 0x20

    /// The normalized text as scalars, in the order of the normalizer's steps.
    func normalize(_ text: String) -> [UInt32] {
        // clean_text and handle_chinese_chars, one scalar at a time.
        var cleaned: [UInt32] = []
        cleaned.reserveCapacity(text.utf8.count + 8)
        var allASCII = true
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value < 0x80 {
                // ASCII: controls other than \t \n \r are removed; \t \n \r become spaces.
                if value == 0x09 || value == 0x0A || value == 0x0D { cleaned.append(Self.space) }
                else if value < 0x20 || value == 0x7F { continue }
                else { cleaned.append(value) }
                continue
            }
            allASCII = false
            if removed.contains(value) { continue }
            if whitespace.contains(value) { cleaned.append(Self.space); continue }
            if chinese.contains(value) {
                cleaned.append(Self.space); cleaned.append(value); cleaned.append(Self.space)
            } else {
                cleaned.append(value)
            }
        }
        if allASCII {
            // No decomposition, no marks; ASCII lowercase is the whole of the mapping.
            for index in cleaned.indices where cleaned[index] >= 0x41 && cleaned[index] <= 0x5A { cleaned[index] += 0x20 }
            return cleaned
        }
        // strip_accents: NFD, then drop nonspacing marks; then lowercase.
        let decomposed = canonicallyDecomposed(cleaned)
        var result: [UInt32] = []
        result.reserveCapacity(decomposed.count)
        for value in decomposed where !nonspacingMarks.contains(value) {
            if value < 0x80 {
                result.append(value >= 0x41 && value <= 0x5A ? value + 0x20 : value)
            } else if !lowercase.append(value, to: &result) {
                result.append(value)
            }
        }
        return result
    }

    /// NFD: full canonical decomposition (the table holds it already fully expanded; Hangul syllables by
    /// the Unicode algorithm), then the canonical ordering of each run of combining marks.
    func canonicallyDecomposed(_ scalars: [UInt32]) -> [UInt32] {
        var output: [UInt32] = []
        output.reserveCapacity(scalars.count + 8)
        for value in scalars {
            if value < 0xC0 { output.append(value); continue }
            if value >= 0xAC00 && value <= 0xD7A3 {
                let index = value - 0xAC00
                output.append(0x1100 + index / 588)
                output.append(0x1161 + (index % 588) / 28)
                if index % 28 != 0 { output.append(0x11A7 + index % 28) }
            } else if !decompositions.append(value, to: &output) {
                output.append(value)
            }
        }
        // Canonical ordering: stable sort of each maximal run of scalars with a non-zero combining class.
        var start = 0
        while start < output.count {
            guard combiningClass(output[start]) != 0 else { start += 1; continue }
            var end = start + 1
            while end < output.count && combiningClass(output[end]) != 0 { end += 1 }
            if end - start > 1 {
                let run = output[start..<end].enumerated().sorted {
                    (combiningClass($0.element), $0.offset) < (combiningClass($1.element), $1.offset)
                }
                for (offset, item) in run.enumerated() { output[start + offset] = item.element }
            }
            start = end
        }
        return output
    }

    private func combiningClass(_ value: UInt32) -> UInt8 {
        if value < 0x300 { return 0 }
        return Unicode.Scalar(value).map { $0.properties.canonicalCombiningClass.rawValue } ?? 0
    }

    /// BertPreTokenizer: words split on whitespace, each punctuation scalar a word of its own.
    func words(_ normalized: [UInt32]) -> [ArraySlice<UInt32>] {
        var words: [ArraySlice<UInt32>] = []
        var start = 0
        for (index, value) in normalized.enumerated() {
            if isWhitespace(value) {
                if start < index { words.append(normalized[start..<index]) }
                start = index + 1
            } else if isPunctuation(value) {
                if start < index { words.append(normalized[start..<index]) }
                words.append(normalized[index..<index + 1])
                start = index + 1
            }
        }
        if start < normalized.count { words.append(normalized[start...]) }
        return words
    }

    private func isWhitespace(_ value: UInt32) -> Bool {
        if value < 0x80 { return value == 0x20 || (value >= 0x09 && value <= 0x0D) }
        return whitespace.contains(value)
    }

    private func isPunctuation(_ value: UInt32) -> Bool {
        if value < 0x80 {
            return (33...47).contains(value) || (58...64).contains(value) || (91...96).contains(value) || (123...126).contains(value)
        }
        return punctuation.contains(value)
    }
}
