/// A colour cluster of the image and the share of (opaque) pixels it holds.
public struct DominantColour: Sendable, Equatable {
    public var red: Int
    public var green: Int
    public var blue: Int
    /// 0-1; the shares of all clusters add up to 1.
    public var share: Double

    /// "#rrggbb".
    public var hex: String {
        "#" + [self.red, self.green, self.blue].map { value in
            let digits = String(value, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
    }
}
