/// pdftotext (without -layout) writes a page's lines one per line with no blank line between
/// paragraphs, so every reader downstream (sentences, paragraphs, summaries) would see one block
/// per page. This puts a blank line where a paragraph evidently ends: before a bullet or a list
/// number, and after a line clearly shorter than the page's full lines (a heading, a paragraph's
/// last line, a list entry). Lines of one paragraph keep their single line breaks; no character
/// of the text is changed. Works on the UTF-8 bytes: a manual's thousand pages go by in milliseconds.
enum PageParagraphs {
    /// A line under this share of the page's typical full line ends its paragraph.
    static let shortLine = 0.7

    static func reflow(_ page: String) -> String {
        let bytes = Array(page.utf8)
        // Lines without their trailing spaces, tabs and CRs, as byte ranges.
        var lines: [Range<Int>] = []
        var start = 0
        for index in 0...bytes.count where index == bytes.count || bytes[index] == 0x0A {
            var end = index
            while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 || bytes[end - 1] == 0x0D { end -= 1 }
            lines.append(start..<end)
            start = index + 1
        }
        // Code points per line: every byte that is not a UTF-8 continuation byte.
        let lengths = lines.map { range in bytes[range].reduce(0) { $1 & 0xC0 == 0x80 ? $0 : $0 + 1 } }
        let nonEmpty = lengths.filter { $0 > 0 }.sorted()
        // The 80th percentile: most lines of running text are full, headings and last lines are not.
        // (A page of one line has no full lines to compare with.)
        let full = nonEmpty.count > 1 ? Double(nonEmpty[min(nonEmpty.count - 1, nonEmpty.count * 8 / 10)]) : 0
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + lines.count)
        for (index, line) in lines.enumerated() {
            if index > 0 {
                let before = lengths[index - 1]
                output.append(0x0A)
                if before > 0 && !line.isEmpty && (startsListItem(bytes[line]) || Double(before) < full * shortLine) {
                    output.append(0x0A)
                }
            }
            output.append(contentsOf: bytes[line])
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// "• item", "– item", "- item", "* item", "1. item", "2) item", "a) item".
    static func startsListItem(_ line: ArraySlice<UInt8>) -> Bool {
        let text = line.drop(while: { $0 == 0x20 })
        guard let first = text.first else { return false }
        for bullet in bullets where text.starts(with: bullet) {
            return text.dropFirst(bullet.count).first == 0x20
        }
        let isDigit = { (byte: UInt8) in byte >= 0x30 && byte <= 0x39 }
        let marker: ArraySlice<UInt8>
        if isDigit(first) {
            marker = text.prefix(while: isDigit)
            guard marker.count <= 3 else { return false }
        } else if first >= 0x61 && first <= 0x7A {
            marker = text.prefix(1)
        } else {
            return false
        }
        let rest = text.dropFirst(marker.count)
        return (rest.first == 0x2E || rest.first == 0x29) && rest.dropFirst().first == 0x20
    }

    /// • ◦ ▪ ‣ ∙ · – — - *
    static let bullets: [[UInt8]] = ["•", "◦", "▪", "‣", "∙", "·", "–", "—", "-", "*"].map { Array($0.utf8) }
}
