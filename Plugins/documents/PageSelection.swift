/// The `pages` option: "1-3,7", "5-" (to the end), or one page number; 1-based, in the order
/// given, overlaps merged. Checked when the task is submitted; clipped to the document later.
struct PageSelection: Sendable, Equatable {
    /// Inclusive ranges; `last` nil means "to the end".
    var ranges: [(first: Int, last: Int?)]

    static func == (a: PageSelection, b: PageSelection) -> Bool {
        a.ranges.elementsEqual(b.ranges) { $0.first == $1.first && $0.last == $1.last }
    }

    /// nil with the reason when `text` is not a page list.
    static func parse(_ text: String) -> Result<PageSelection, PageSelectionError> {
        var ranges: [(first: Int, last: Int?)] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let item = part.filter { $0 != " " }
            guard !item.isEmpty else { return .failure(.init("'\(text)' has an empty item")) }
            let bounds = item.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
            guard let first = Int(bounds[0]), first >= 1 else {
                return .failure(.init("'\(item)' must start with a page number from 1"))
            }
            if bounds.count == 1 {
                ranges.append((first, first))
            } else if bounds[1].isEmpty {
                ranges.append((first, nil))
            } else {
                guard let last = Int(bounds[1]), last >= first else {
                    return .failure(.init("'\(item)' must be a range like 2-5 with the second number not below the first"))
                }
                ranges.append((first, last))
            }
        }
        return .success(PageSelection(ranges: ranges))
    }

    /// The selected pages of a document of `pageCount` pages, ascending, each once.
    func pages(of pageCount: Int) -> [Int] {
        var selected = Set<Int>()
        for range in ranges where range.first <= pageCount {
            let last = min(range.last ?? pageCount, pageCount)
            selected.formUnion(range.first...last)
        }
        return selected.sorted()
    }

    /// Ascending pages as contiguous runs (one pdftotext call each).
    static func runs(_ pages: [Int]) -> [ClosedRange<Int>] {
        var runs: [ClosedRange<Int>] = []
        for page in pages {
            if let last = runs.last, last.upperBound + 1 == page {
                runs[runs.count - 1] = last.lowerBound...page
            } else {
                runs.append(page...page)
            }
        }
        return runs
    }
}

struct PageSelectionError: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}
