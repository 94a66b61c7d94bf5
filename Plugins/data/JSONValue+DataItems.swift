import PluginKit

/// How the plugin reads and names the JSON values of its items.
extension JSONValue {
    /// This value as a number, or the error naming `path` and what was there instead.
    /// Numeric strings are deliberately not converted: "3" is text, and accepting it would
    /// hide data-quality problems (e.g. "1,5" vs "1.5") that the caller should see.
    /// The path is spelt only for the error: items that are numbers (nearly all) cost no string.
    func number(path: @autoclosure () -> String) throws(DataProcessingError) -> Double {
        guard case .number(let value) = self else { throw .notANumber(path(), found: found) }
        return value
    }

    /// Short description for "(found …)" in error messages.
    var found: String {
        switch self {
        case .number(let d): return "number \(Self.spell(d))"
        case .string(let s):
            // Long strings are cut so that one bad item cannot flood the error message.
            let cut = s.count > 40 ? String(s.prefix(40)) + "…" : s
            var escaped = ""
            for character in cut {
                if character == "\\" || character == "\"" { escaped.append("\\") }
                escaped.append(character)
            }
            return "string \"\(escaped)\""
        case .bool(let b): return "boolean \(b)"
        case .null: return "null"
        case .array: return "array"
        case .object: return "object"
        }
    }

    /// A number as a user wrote it in JSON: integral values without ".0", so group labels and
    /// messages read "1" for 1, not "1.0".
    static func spell(_ d: Double) -> String {
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return "\(d)"
    }
}
