/// tesseract's TSV output: one row per layout element; words (level 5) carry a confidence.
enum TesseractTSV {
    static func meanConfidence(_ tsv: String) -> Double? {
        var total = 0.0
        var count = 0
        for line in tsv.split(separator: "\n").dropFirst() {
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard columns.count >= 12, columns[0] == "5", let confidence = Double(columns[10]), confidence >= 0,
                  !columns[11].allSatisfy(\.isWhitespace) else { continue }
            total += confidence
            count += 1
        }
        return count == 0 ? nil : (total / Double(count) * 100).rounded() / 100
    }
}
