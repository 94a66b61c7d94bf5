import Foundation

/// Any JSON value. Only `DataProcessingParams` interprets it (and `FastParamsReader` builds it),
/// so the rest of the plugin sees validated Doubles and strings.
enum AnyJSON: Decodable, Sendable {
    case number(Double)
    /// A JSON number that a Double cannot hold (1e999, 1e-400): JSONDecoder refuses it, and
    /// recording it lets the error say "not a finite number" instead of failing the whole job.
    case outOfRangeNumber
    case string(String)
    case bool(Bool)
    case null
    case array([AnyJSON])
    case object([String: AnyJSON])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null; return }
        do {
            self = .number(try c.decode(Double.self))
            return
        } catch DecodingError.typeMismatch {
            // Not a number (string, boolean, array, object): try the other kinds below.
        } catch {
            // A number that does not fit in a Double. Foundation reports it with an error of
            // its own (not a typeMismatch; on Linux an internal "number is not representable"
            // error, which becomes dataCorrupted for the whole document if not caught here).
            self = .outOfRangeNumber
            return
        }
        // Each failed attempt costs a thrown DecodingError, so the kinds are tried from the most
        // to the least common in practice: numbers, strings (labels), objects (items).
        if let s = try? c.decode(String.self) { self = .string(s); return }
        if let o = try? c.decode([String: AnyJSON].self) { self = .object(o); return }
        if let b = try? c.decode(Bool.self) { self = .bool(b); return }
        self = .array(try c.decode([AnyJSON].self))
    }

    /// This value as a number, or the error naming `path` and what was there instead.
    /// Numeric strings are deliberately not converted: "3" is text, and accepting it would
    /// hide data-quality problems (e.g. "1,5" vs "1.5") that the caller should see.
    func number(path: String) throws(DataProcessingError) -> Double {
        switch self {
        case .number(let d): return d
        case .outOfRangeNumber: throw .notFinite(item: path)
        default: throw .notANumber(path, found: found)
        }
    }

    /// Short description for "(found …)" in error messages.
    var found: String {
        switch self {
        case .number(let d): return "number \(Self.spell(d))"
        case .outOfRangeNumber: return "a number out of the range of a double"
        case .string(let s):
            // Long strings are cut so that one bad item cannot flood the error message.
            let cut = s.count > 40 ? String(s.prefix(40)) + "…" : s
            let escaped = cut.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "\"", with: "\\\"")
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
