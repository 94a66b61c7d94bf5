/// pdftotext (without -layout) writes a page's lines one per line with no blank line between
/// paragraphs, so every reader downstream (sentences, paragraphs, summaries) would see one block
/// per page. This puts a blank line where a paragraph evidently ends: before a bullet or a list
/// number, and after a line clearly shorter than the page's full lines (a heading, a paragraph's
/// last line, a list entry). Lines of one paragraph keep their single line breaks; no character
/// of the text is changed.
enum PageParagraphs {
    /// A line under this share of the page's typical full line ends its paragraph.
    static let shortLine = 0.7

    static func reflow(_ page: String) -> String {
        let lines = page.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingTrailingSpaces() }
        let lengths = lines.map { $0.unicodeScalars.count }.filter { $0 > 0 }.sorted()
        guard lengths.count > 1 else { return lines.joined(separator: "\n") }
        // The 80th percentile: most lines of running text are full, headings and last lines are not.
        let full = Double(lengths[min(lengths.count - 1, lengths.count * 8 / 10)])
        var output = ""
        output.reserveCapacity(page.utf8.count + lines.count)
        var previous: Substring?
        for line in lines {
            if let before = previous {
                if before.isEmpty || line.isEmpty {
                    output += "\n"
                } else if startsListItem(line) || Double(before.unicodeScalars.count) < full * shortLine {
                    output += "\n\n"
                } else {
                    output += "\n"
                }
            }
            output += line
            previous = line
        }
        return output
    }

    /// "• item", "– item", "- item", "* item", "1. item", "2) item", "a) item".
    static func startsListItem(_ line: Substring) -> Bool {
        let text = line.drop(while: { $0 == " " })
        guard let first = text.first else { return false }
        if "•◦▪‣∙·–—-*".contains(first) {
            return text.dropFirst().first == " "
        }
        let marker = text.prefix(while: { $0.isNumber || ($0.isLetter && $0.isLowercase) })
        guard !marker.isEmpty, marker.count <= 3, marker.allSatisfy(\.isNumber) || marker.count == 1 else { return false }
        let rest = text.dropFirst(marker.count)
        return (rest.first == "." || rest.first == ")") && rest.dropFirst().first == " "
    }
}

extension Substring {
    func trimmingTrailingSpaces() -> Substring {
        var text = self
        while let last = text.last, last == " " || last == "\t" || last == "\r" { text = text.dropLast() }
        return text
    }
}
