/// A stretch of the input by code-point offsets, `start..<end`: the indices Python's `str` uses, so a
/// caller in another language slices the same text.
public struct TextSpan: Sendable, Equatable {
    public let text: String
    public let start: Int
    public let end: Int

    public init(text: String, start: Int, end: Int) {
        self.text = text
        self.start = start
        self.end = end
    }

    init(_ scalars: [Unicode.Scalar], _ range: Range<Int>) {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[range])
        self.init(text: String(view), start: range.lowerBound, end: range.upperBound)
    }
}
