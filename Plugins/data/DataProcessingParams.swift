import PluginKit

/// The parameters of a `data_processing` job, read from the JSON value the project's JSON library
/// parsed (PluginKit hands it over through `CustomParameterDecoding`).
///
/// The numeric inputs (`data`, `x`, `y`) are kept as JSON values item by item instead of being
/// converted to `[Double]` up front, so that `DataProcessor` can say exactly which item is wrong
/// and what it found there ("data[3] is not a number (found string \"abc\")"). The raw values stay
/// private; `DataProcessor` reads them through the accessors below, which do the per-item
/// validation and phrase the errors.
///
/// Unknown keys are refused (the schema says `additionalProperties: false`): a typo such as
/// `"group-by"` would otherwise be ignored silently and change the answer. A key whose value is
/// `null` counts as absent.
struct DataProcessingParams: Decodable, Sendable, CustomParameterDecoding {
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

    private let dataItems: [JSONValue]?
    private let xItems: [JSONValue]?
    private let yItems: [JSONValue]?

    /// Every parameter, in the order the unknown-key message lists them.
    static let keys = ["operation", "data", "field", "fields", "x", "y", "method", "group_by"]

    static func decodeParameters(from json: JSONValue) throws -> DataProcessingParams {
        do {
            return try DataProcessingParams(json)
        } catch {
            throw TaskError.invalidParams(error.message)
        }
    }

    init(_ json: JSONValue) throws(DataProcessingError) {
        guard case .object(let members) = json else { throw .invalid("the parameters must be a JSON object") }
        // Unknown keys first, so that a misspelt key is what gets reported.
        if let unknown = members.keys.sorted().first(where: { !Self.keys.contains($0) }) {
            throw .invalid("unknown parameter '\(unknown)' (expected one of: \(Self.keys.joined(separator: ", ")))")
        }
        /// The member, or nil when absent or null.
        func present(_ key: String) -> JSONValue? {
            guard let value = members[key], !value.isNull else { return nil }
            return value
        }
        func string(_ key: String) throws(DataProcessingError) -> String? {
            guard let value = present(key) else { return nil }
            guard case .string(let text) = value else { throw .invalid("\(key) must be a string") }
            return text
        }
        func array(_ key: String) throws(DataProcessingError) -> [JSONValue]? {
            guard let value = present(key) else { return nil }
            guard case .array(let items) = value else { throw .invalid("\(key) must be an array") }
            return items
        }
        switch members["operation"] {
        case nil: throw .invalid("operation is required")
        case .null?: throw .invalid("operation must be a string, not null")
        case .string(let text)?: operation = text
        default: throw .invalid("operation must be a string")
        }
        let explicitField = try string("field")
        field = explicitField ?? "value"
        fieldWasGiven = explicitField != nil
        groupBy = try string("group_by")
        method = try string("method")
        if let value = present("fields") {
            guard case .array(let items) = value else { throw .invalid("fields must be an array of strings") }
            var names: [String] = []
            for (index, item) in items.enumerated() {
                switch item {
                case .string(let name): names.append(name)
                case .null: throw .invalid("fields[\(index)] must be a string, not null")
                default: throw .invalid("fields[\(index)] must be a string")
                }
            }
            fields = names
        } else {
            fields = nil
        }
        dataItems = try array("data")
        xItems = try array("x")
        yItems = try array("y")
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
        if case .object(let members) = item {
            return try Self.number(members, field: field, path: "data[\(index)]")
        }
        return try item.number(path: "data[\(index)]")
    }

    /// The `field` of object item `index` of `data`, for modes that need objects (correlation
    /// over `fields`); `reason` completes the error when the item is not an object.
    func fieldValue(ofItem index: Int, field: String, reason: String) throws(DataProcessingError) -> Double {
        let item = dataItems![index]
        guard case .object(let members) = item else {
            throw .notAnObject("data[\(index)]", found: item.found, because: reason)
        }
        return try Self.number(members, field: field, path: "data[\(index)]")
    }

    /// The group label of item `index`: its `key` value as a string. Numbers and booleans are
    /// labelled by their JSON spelling, so 1 and "1" fall in the same group "1".
    func groupLabel(ofItem index: Int, key: String) throws(DataProcessingError) -> String {
        let item = dataItems![index]
        var path: String { "data[\(index)]" }  // spelt only for an error
        guard case .object(let members) = item else {
            throw .notAnObject(path, found: item.found, because: "group_by needs objects")
        }
        guard let value = members[key] else { throw .missing("\(path).\(key)") }
        switch value {
        case .string(let s): return s
        case .number(let d): return JSONValue.spell(d)
        case .bool(let b): return b ? "true" : "false"
        case .null, .array, .object:
            throw .invalid("\(path).\(key) cannot name a group (found \(value.found)); "
                + "group_by needs a string, number or boolean")
        }
    }

    /// `x` as numbers, or nil when absent.
    func xValues() throws(DataProcessingError) -> [Double]? { try Self.numbers(xItems, name: "x") }
    /// `y` as numbers, or nil when absent.
    func yValues() throws(DataProcessingError) -> [Double]? { try Self.numbers(yItems, name: "y") }

    private static func numbers(_ items: [JSONValue]?, name: String) throws(DataProcessingError) -> [Double]? {
        guard let items else { return nil }
        var out: [Double] = []
        out.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            out.append(try item.number(path: "\(name)[\(i)]"))
        }
        return out
    }

    private static func number(_ members: [String: JSONValue], field: String, path: @autoclosure () -> String) throws(DataProcessingError) -> Double {
        guard let value = members[field] else { throw .missing("\(path()).\(field)") }
        return try value.number(path: "\(path()).\(field)")
    }
}
