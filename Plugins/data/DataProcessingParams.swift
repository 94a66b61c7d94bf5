import Foundation

/// The parameters of a `data_processing` job, decoded with Foundation's `JSONDecoder`.
///
/// `FastParamsReader` reads the common, plain documents first and builds them with the memberwise
/// initialiser; whatever it declines comes here, so the messages below are the only ones.
///
/// The numeric inputs (`data`, `x`, `y`) are decoded item by item into an "any JSON value" enum
/// (`AnyJSON`) instead of `[Double]`: a `[Double]` decode would fail on the first string with a
/// generic DecodingError, whereas keeping every value lets `DataProcessor` say exactly which
/// item is wrong and what it found there ("data[3] is not a number (found string \"abc\")").
/// The raw values stay private; `DataProcessor` reads them through the accessors below, which
/// do the per-item validation and phrase the errors.
///
/// Unknown keys are rejected while decoding (the schema says `additionalProperties: false`):
/// a typo such as `"group-by"` would otherwise be ignored silently and change the answer.
struct DataProcessingParams: Decodable, Sendable {
    /// sum, average, count, statistics or correlation. Kept as a String so that an unknown
    /// operation is reported by `DataProcessor.run` with the list of valid ones.
    let operation: String
    /// Which key of an object item holds its number. Defaults to "value".
    let field: String
    /// True when the request named `field` itself (correlation rejects it: it wants `fields`).
    let fieldWasGiven: Bool
    /// Key of object items whose value names the item's group.
    let groupBy: String?
    /// Correlation between two keys of the object items of `data`.
    let fields: [String]?
    /// "pearson", "spearman", or nil for both.
    let method: String?

    private let dataItems: [AnyJSON]?
    private let xItems: [AnyJSON]?
    private let yItems: [AnyJSON]?

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case operation, data, field, fields, x, y, method
        case groupBy = "group_by"
    }

    /// Parameters read by `FastParamsReader`, with the meaning the decoder gives them: nil is an
    /// absent (or null) key.
    init(
        operation: String, field: String?, groupBy: String?, fields: [String]?, method: String?,
        data: [AnyJSON]?, x: [AnyJSON]?, y: [AnyJSON]?
    ) {
        self.operation = operation
        self.field = field ?? "value"
        fieldWasGiven = field != nil
        self.groupBy = groupBy
        self.fields = fields
        self.method = method
        dataItems = data
        xItems = x
        yItems = y
    }

    init(from decoder: any Decoder) throws {
        // Reject unknown keys first, so that a misspelt key is what gets reported.
        let anyKeys = try decoder.container(keyedBy: AnyKey.self)
        let known = Set(CodingKeys.allCases.map(\.stringValue))
        if let unknown = anyKeys.allKeys.map(\.stringValue).sorted().first(where: { !known.contains($0) }) {
            throw DecodingError.dataCorrupted(DecodingError.Context(
                codingPath: [AnyKey(unknown)],
                debugDescription: "unknown parameter '\(unknown)' (expected one of: "
                    + CodingKeys.allCases.map(\.stringValue).joined(separator: ", ") + ")"))
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        operation = try c.decode(String.self, forKey: .operation)
        let explicitField = try c.decodeIfPresent(String.self, forKey: .field)
        field = explicitField ?? "value"
        fieldWasGiven = explicitField != nil
        groupBy = try c.decodeIfPresent(String.self, forKey: .groupBy)
        fields = try c.decodeIfPresent([String].self, forKey: .fields)
        method = try c.decodeIfPresent(String.self, forKey: .method)
        dataItems = try c.decodeIfPresent([AnyJSON].self, forKey: .data)
        xItems = try c.decodeIfPresent([AnyJSON].self, forKey: .x)
        yItems = try c.decodeIfPresent([AnyJSON].self, forKey: .y)
    }

    /// Decodes parameters from JSON bytes, turning `DecodingError`s (whose descriptions talk
    /// about Swift types and coding paths) into messages an API user can act on.
    static func decode(json: Data) throws(DataProcessingError) -> DataProcessingParams {
        do {
            return try JSONDecoder().decode(DataProcessingParams.self, from: json)
        } catch let error as DecodingError {
            throw .invalid(describe(error))
        } catch {
            throw .invalid("the parameters could not be read: \(error)")
        }
    }

    // MARK: - Presence

    var hasData: Bool { dataItems != nil }
    var hasX: Bool { xItems != nil }
    var hasY: Bool { yItems != nil }
    /// Number of items in `data` (0 when absent).
    var itemCount: Int { dataItems?.count ?? 0 }

    // MARK: - Reading values (each validates and names the culprit on failure)

    /// The number item `index` of `data` contributes: a number item is its own value, an object
    /// item contributes its `field`. Anything else (including the string "3") is an error.
    func value(ofItem index: Int, field: String) throws(DataProcessingError) -> Double {
        let item = dataItems![index]
        let path = "data[\(index)]"
        if case .object(let members) = item {
            return try Self.number(members, field: field, path: path)
        }
        return try item.number(path: path)
    }

    /// The `field` of object item `index` of `data`, for modes that need objects (correlation
    /// over `fields`); `reason` completes the error when the item is not an object.
    func fieldValue(ofItem index: Int, field: String, reason: String) throws(DataProcessingError) -> Double {
        let item = dataItems![index]
        let path = "data[\(index)]"
        guard case .object(let members) = item else {
            throw .notAnObject(path, found: item.found, because: reason)
        }
        return try Self.number(members, field: field, path: path)
    }

    /// The group label of item `index`: its `key` value as a string. Numbers and booleans are
    /// labelled by their JSON spelling, so 1 and "1" fall in the same group "1".
    func groupLabel(ofItem index: Int, key: String) throws(DataProcessingError) -> String {
        let item = dataItems![index]
        let path = "data[\(index)]"
        guard case .object(let members) = item else {
            throw .notAnObject(path, found: item.found, because: "group_by needs objects")
        }
        guard let value = members[key] else { throw .missing("\(path).\(key)") }
        switch value {
        case .string(let s): return s
        case .number(let d): return AnyJSON.spell(d)
        case .bool(let b): return b ? "true" : "false"
        case .null, .outOfRangeNumber, .array, .object:
            throw .invalid("\(path).\(key) cannot name a group (found \(value.found)); "
                + "group_by needs a string, number or boolean")
        }
    }

    /// `x` as numbers, or nil when absent.
    func xValues() throws(DataProcessingError) -> [Double]? { try Self.numbers(xItems, name: "x") }
    /// `y` as numbers, or nil when absent.
    func yValues() throws(DataProcessingError) -> [Double]? { try Self.numbers(yItems, name: "y") }

    private static func numbers(_ items: [AnyJSON]?, name: String) throws(DataProcessingError) -> [Double]? {
        guard let items else { return nil }
        var out: [Double] = []
        out.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            out.append(try item.number(path: "\(name)[\(i)]"))
        }
        return out
    }

    private static func number(_ members: [String: AnyJSON], field: String, path: String) throws(DataProcessingError) -> Double {
        guard let value = members[field] else { throw .missing("\(path).\(field)") }
        if case .outOfRangeNumber = value { throw .notFinite(field: field, of: path) }
        return try value.number(path: "\(path).\(field)")
    }

    // MARK: - DecodingError → message

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let ctx):
            return "\(path(ctx.codingPath + [key])) is required"
        case .valueNotFound(let type, let ctx):
            return "\(path(ctx.codingPath)) must be \(typeName(type)), not null"
        case .typeMismatch(let type, let ctx):
            if ctx.codingPath.isEmpty { return "the parameters must be a JSON object" }
            return "\(path(ctx.codingPath)) must be \(typeName(type))"
        case .dataCorrupted(let ctx):
            // Our own unknown-key error carries its message; otherwise the JSON itself is bad.
            if !ctx.codingPath.isEmpty { return ctx.debugDescription }
            return "the parameters are not valid JSON"
        @unknown default:
            return "the parameters could not be read"
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        var out = ""
        for key in keys {
            if let i = key.intValue {
                out += "[\(i)]"
            } else {
                out += out.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return out.isEmpty ? "the parameters" : out
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is [String].Type: return "an array of strings"
        case is [AnyJSON].Type: return "an array"
        default: return "a JSON value of type \(type)"
        }
    }
}

/// A coding key for any string, used to list the keys the request actually sent.
private struct AnyKey: CodingKey {
    let stringValue: String
    init(_ s: String) { stringValue = s }
    init?(stringValue: String) { self.stringValue = stringValue }
    var intValue: Int? { nil }
    init?(intValue: Int) { nil }
}
