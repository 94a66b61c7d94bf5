import PluginKit

/// A background or tint colour as the task gives it: "#rgb", "#rgba", "#rrggbb", "#rrggbbaa", "white",
/// "black", "transparent", a grey level, or [r, g, b(, a)] from 0 to 255. Without an alpha it is opaque,
/// as in sharp.
struct Colour: Sendable, Equatable {
    var red: Double, green: Double, blue: Double, alpha: Double

    init(red: Double, green: Double, blue: Double, alpha: Double = 255) {
        (self.red, self.green, self.blue, self.alpha) = (red, green, blue, alpha)
    }

    /// nil when `value` is not a colour; `field` names it in the error.
    init(_ value: JSONValue, field: String) throws {
        let problem = TaskError.invalidParams(
            "\(field) must be a colour: \"#rrggbb\", \"#rgb\" (with an optional alpha), \"white\", \"black\", \"transparent\", a grey level or [r, g, b(, a)] from 0 to 255")
        switch value {
        case .number(let grey):
            guard (0...255).contains(grey) else { throw problem }
            self.init(red: grey, green: grey, blue: grey)
        case .array(let items):
            let numbers = items.compactMap(\.doubleValue)
            guard numbers.count == items.count, (1...4).contains(numbers.count), numbers.allSatisfy({ (0...255).contains($0) }) else {
                throw problem
            }
            switch numbers.count {
            case 1: self.init(red: numbers[0], green: numbers[0], blue: numbers[0])
            case 2: self.init(red: numbers[0], green: numbers[0], blue: numbers[0], alpha: numbers[1])
            case 3: self.init(red: numbers[0], green: numbers[1], blue: numbers[2])
            default: self.init(red: numbers[0], green: numbers[1], blue: numbers[2], alpha: numbers[3])
            }
        case .string(let text):
            switch text.lowercased() {
            case "white": self.init(red: 255, green: 255, blue: 255)
            case "black": self.init(red: 0, green: 0, blue: 0)
            case "transparent": self.init(red: 0, green: 0, blue: 0, alpha: 0)
            default:
                guard let parsed = Self.hex(text) else { throw problem }
                self = parsed
            }
        default:
            throw problem
        }
    }

    private static func hex(_ text: String) -> Colour? {
        guard text.hasPrefix("#") else { return nil }
        let digits = text.dropFirst().map { $0.isASCII ? $0.hexDigitValue : nil }
        guard digits.allSatisfy({ $0 != nil }) else { return nil }
        let values = digits.map { Double($0!) }
        switch values.count {
        case 3, 4:
            let channels = values.map { $0 * 17 }
            return Colour(red: channels[0], green: channels[1], blue: channels[2], alpha: channels.count == 4 ? channels[3] : 255)
        case 6, 8:
            let channels = stride(from: 0, to: values.count, by: 2).map { values[$0] * 16 + values[$0 + 1] }
            return Colour(red: channels[0], green: channels[1], blue: channels[2], alpha: channels.count == 4 ? channels[3] : 255)
        default:
            return nil
        }
    }

    /// One value per band of an image with `bands` bands: grey images get the colour's luma (Rec. 601),
    /// and the alpha band, when there is one, the colour's alpha.
    func values(bands: Int, hasAlpha: Bool) -> [Double] {
        let colourBands = hasAlpha ? bands - 1 : bands
        let colour: [Double] = colourBands < 3
            ? [(0.299 * red + 0.587 * green + 0.114 * blue).rounded()]
            : [red, green, blue] + [Double](repeating: 0, count: max(0, colourBands - 3))
        return Array(colour.prefix(colourBands)) + (hasAlpha ? [alpha] : [])
    }
}
